"""Joint purchases, step 1: opening a campaign, who sees it, its pages."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.joint.models import JointPurchase
from tests.factories.accounts import make_org, make_user
from tests.joint.conftest import JointWorld


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(JointPurchase)) or 0


def test_the_center_opens_a_campaign_for_a_product(client: FlaskClient, jw: JointWorld,
                                                   db_session: Session) -> None:
    body = jw.create(client, scope={"regions": ["CN-BJ", "CN-SH"]}, min_quantity=50)
    assert body["status"] == "open"
    assert body["product_id"] == jw.product_id
    assert body["scope"] == {"regions": ["CN-BJ", "CN-SH"]}
    assert (body["total_quantity"], body["participants"], body["my_commitment"]) == (0, 0, None)
    assert body["lead"]["kind"] == "center"
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "joint_purchase.create"))
    assert event is not None and event.target_id == str(body["id"])


def test_a_buyer_leads_a_campaign_for_a_standard(client: FlaskClient, jw: JointWorld) -> None:
    standard = client.post("/api/v1/admin/standards", headers=jw.headers(jw.center), json={
        "code": "LAPTOP-BASIC", "category_code": jw.offers[0].category.code,
        "title_zh": "基础笔记本", "title_en": "Basic laptop",
        "requirements": [{"attribute": "memory_gb", "op": "gte", "value": 8}]})
    assert standard.status_code == 201, standard.get_json()
    body = jw.create(client, jw.buyers[0], product_id=None, standard_code="LAPTOP-BASIC")
    assert (body["standard_code"], body["standard_version"]) == ("LAPTOP-BASIC", 1)
    assert body["lead"]["is_you"] is True


def test_a_requirement_with_a_block_finding_is_refused_with_the_findings(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    before = _count(db_session)
    response = client.post("/api/v1/joint-purchases", headers=jw.headers(jw.center),
                           json=jw.body(requirement_text="必须是 Lenovo 品牌的笔记本电脑"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "requirement_refused"
    assert any(f["severity"] == "block" for f in error["details"]["findings"])
    assert _count(db_session) == before


def test_bad_input_is_refused_and_nothing_is_made(client: FlaskClient, jw: JointWorld,
                                                  db_session: Session) -> None:
    before = _count(db_session)
    headers = jw.headers(jw.center)
    cases = [
        (jw.body(closes_at="tomorrow"), 400, "validation_failed"),
        (jw.body(product_id="7"), 400, "validation_failed"),
        (jw.body(closes_at="2020-01-01T00:00:00+00:00"), 422, "closes_in_past"),
        (jw.body(agreement_number="NOPE"), 422, "unknown_agreement"),
        (jw.body(lot_code="L9"), 422, "unknown_lot"),
        (jw.body(standard_code="X"), 422, "one_subject"),
        (jw.body(product_id=None), 422, "one_subject"),
        (jw.body(product_id=2**31 - 1), 422, "product_not_in_lot"),
        (jw.body(scope={"regions": ["beijing"]}), 400, "validation_failed"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/joint-purchases", json=body, headers=headers)
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["error"]["code"] == code
    assert _count(db_session) == before


def test_suppliers_and_approvers_cannot_open_campaigns(client: FlaskClient,
                                                      jw: JointWorld) -> None:
    for user in (jw.supplier_users[0], jw.approvers[jw.purchasers[0].id][0]):
        response = client.post("/api/v1/joint-purchases", json=jw.body(),
                               headers=jw.headers(user))
        assert response.status_code == 403


def test_an_out_of_scope_purchaser_cannot_see_the_campaign(client: FlaskClient,
                                                          jw: JointWorld) -> None:
    body = jw.create(client, scope={"regions": ["CN-BJ"]})
    inside, outside = jw.buyers[0], jw.buyers[2]  # CN-BJ and CN-GD
    listed = client.get("/api/v1/joint-purchases", headers=jw.headers(inside)).get_json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    listed = client.get("/api/v1/joint-purchases", headers=jw.headers(outside)).get_json()
    assert listed["items"] == [] and listed["total"] == 0
    assert client.get(f"/api/v1/joint-purchases/{body['id']}",
                      headers=jw.headers(outside)).status_code == 404
    assert client.get(f"/api/v1/joint-purchases/{body['id']}",
                      headers=jw.headers(jw.supplier_users[0])).status_code == 403
    everything = client.get("/api/v1/joint-purchases?status=open",
                            headers=jw.headers(jw.center)).get_json()
    assert body["id"] in [c["id"] for c in everything["items"]]


def _login(client: FlaskClient, email: str) -> None:
    from tests.factories.accounts import PASSWORD

    # reads the pages in English (remembered in a cookie); they default to Chinese
    response = client.post("/login?lang=en", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.data[:300]


def test_pages_list_show_and_the_offer_page_invites_to_join(client: FlaskClient,
                                                            jw: JointWorld) -> None:
    body = jw.create(client, title="Shared laptops")
    _login(client, jw.buyers[0].email)
    listing = client.get("/joint-purchases")
    assert listing.status_code == 200
    assert b"Shared laptops" in listing.data
    page = client.get(f"/joint-purchases/{body['id']}")
    assert page.status_code == 200 and b'data-status="open"' in page.data
    assert b'data-action="commit"' in page.data
    offer_page = client.get(f"/offers/{jw.offers[0].id}")
    assert offer_page.status_code == 200
    assert f'class="joint-banner" data-joint-purchase-id="{body["id"]}"'.encode() \
        in offer_page.data
    assert b"Join the joint purchase closing on" in offer_page.data


def test_the_page_form_opens_a_campaign_and_shows_refusals(client: FlaskClient,
                                                          jw: JointWorld,
                                                          db_session: Session) -> None:
    lead = make_user(db_session, make_org(db_session, kind="purchaser", region="CN-BJ"),
                     roles=("buyer",))
    _login(client, lead.email)
    form = {"title": "Pooled laptops", "agreement_number": jw.agreement.number,
            "lot_code": "L1", "product_id": str(jw.product_id),
            "closes_at": "2099-01-31T17:00", "deliver_by": "2099-02-28"}
    refused = client.post("/joint-purchases", data=form, follow_redirects=True)
    # the agreement ends within a year: a delivery in 2099 is refused and nothing is made
    assert b"ends on" in refused.data
    before = _count(db_session)
    form["closes_at"], form["deliver_by"] = jw.body()["closes_at"][:16], jw.body()[
        "deliver_by"]
    made = client.post("/joint-purchases", data=form)
    assert made.status_code == 302
    assert _count(db_session) == before + 1
