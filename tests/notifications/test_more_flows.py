"""Joint purchase outcomes go to each organization's buyers; price review decisions go to
the supplier's users."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.notifications.models import Notification
from tests.catalog.conftest import Catalog, offer_body
from tests.joint.conftest import JointWorld


def _told(session: Session) -> dict[int, list[str]]:
    session.flush()
    found: dict[int, list[str]] = {}
    for n in session.scalars(select(Notification).order_by(Notification.id)):
        found.setdefault(n.recipient_id, []).append(n.kind)
    return found


def test_a_failed_joint_purchase_tells_the_leads_buyers(client: FlaskClient,
                                                        jw: JointWorld) -> None:
    lead = jw.buyers[0]
    cid = int(jw.create(client, lead)["id"])
    assert client.post(f"/api/v1/joint-purchases/{cid}/close",
                       headers=jw.headers(lead)).json["status"] == "failed"  # nobody joined
    # the lead organization's buyers only: not its approvers, not other purchasers
    assert _told(jw.session) == {lead.id: ["joint_purchase.update"]}
    listed = client.get("/api/v1/notifications?lang=en", headers=jw.headers(lead)).json
    assert listed["items"][0]["message"].startswith(f"Joint purchase #{cid}: ")
    assert listed["items"][0]["link"] == f"/joint-purchases/{cid}"


def test_a_refused_price_rise_tells_the_supplier(client: FlaskClient, db_session: Session,
                                                 catalog: Catalog) -> None:
    def put(price: str) -> None:
        assert client.put("/api/v1/supplier/offers/SKU-1",
                          json=offer_body(catalog, price=price),
                          headers=catalog.headers).status_code in (200, 201)

    put("1000.00")
    put("1500.00")
    review = client.get("/api/v1/admin/price-reviews", headers=catalog.center_headers).json
    change_id = review["items"][0]["id"]
    assert client.post(f"/api/v1/admin/price-reviews/{change_id}/refuse",
                       json={"reason": "Too steep"},
                       headers=catalog.center_headers).status_code == 200
    assert _told(db_session) == {catalog.supplier.id: ["price_review.refused"]}
    [item] = client.get("/api/v1/notifications?lang=en", headers=catalog.headers).json["items"]
    assert item["message"] == ("The center refused the price rise of SKU-1 to 1500.00 CNY: "
                               "Too steep")
    zh = client.get("/api/v1/notifications?lang=zh", headers=catalog.headers).json["items"][0]
    assert zh["message"] == "中心已拒绝 SKU-1 涨价至 1500.00 CNY：Too steep"
