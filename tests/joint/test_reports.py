"""Joint purchases per year (participants, volume, savings), and joint orders in the spend
report (counted like others, with a ``joint`` figure and filter)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.orders.models import Competition
from tests.factories.accounts import make_org, make_user
from tests.joint.conftest import JointWorld
from tests.joint.test_pages import _as
from tests.orders.conftest import build_world


def _awarded(client: FlaskClient, jw: JointWorld, db_session: Session,
             regions: dict[int, str] | None = None) -> int:
    """20/30/50 committed, closed, three quotes, awarded at 92.00 (listed lowest: 98.00);
    ``regions``: a participant's delivery region other than its own (by index)."""
    lead = jw.buyers[0]
    cid = int(jw.create(client, lead, title="Awarded laptops")["id"])
    for index, (buyer, qty) in enumerate(zip(jw.buyers, (20, 30, 50), strict=True)):
        extra = {"delivery_region": regions[index]} if index in (regions or {}) else {}
        committed = jw.commit(client, cid, buyer, qty, **extra)
        assert committed.status_code == 200, committed.get_json()
    competition_id = client.post(f"/api/v1/joint-purchases/{cid}/close",
                                 headers=jw.headers(lead)).get_json()["competition_id"]
    for index, price in ((0, "90.00"), (1, "92.00"), (2, "95.00")):
        quoted = client.post(f"/api/v1/competitions/{competition_id}/quotes",
                             json={"lines": [{"line_id": cid, "unit_price": price}]},
                             headers=jw.headers(jw.supplier_users[index]))
        assert quoted.status_code == 201, quoted.get_json()
    db_session.get_one(Competition, competition_id).deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    awarded = client.post(f"/api/v1/joint-purchases/{cid}/award", headers=jw.headers(lead))
    assert awarded.status_code == 200, awarded.get_json()
    return cid


def _failed(client: FlaskClient, jw: JointWorld) -> int:
    cid = int(jw.create(client, title="Too few", min_quantity=500)["id"])
    assert jw.commit(client, cid, jw.buyers[1], 10).status_code == 200
    closed = client.post(f"/api/v1/joint-purchases/{cid}/close", headers=jw.headers(jw.center))
    assert closed.get_json()["status"] == "failed"
    return cid


def _report(client: FlaskClient, jw: JointWorld, user: Any, query: str = "") -> Any:
    return client.get(f"/api/v1/reports/joint-purchases{query}", headers=jw.headers(user))


def test_the_center_sees_every_campaign_with_participants_volume_and_savings(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    awarded, failed = _awarded(client, jw, db_session), _failed(client, jw)
    auditor = make_user(db_session, jw.center.organization, roles=("auditor",))
    for reader in (jw.center, auditor):
        response = _report(client, jw, reader, f"?year={utcnow().year}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert [i["id"] for i in body["items"]] == [awarded, failed]
        assert body["totals"] == [{
            "currency": "CNY", "campaigns": 2, "awarded": 1, "failed": 1,
            "participations": 4, "purchasers": 3, "quantity": 100,
            "value": {"amount": "9200.00", "currency": "CNY"},
            "savings": {"amount": "600.00", "currency": "CNY"},  # (98 − 92) × 100
            "savings_share": "0.0612"}]
        first = body["items"][0]
        assert (first["participants"], first["total_quantity"]) == (3, 100)
        assert first["unit_price"] == {"amount": "92.00", "currency": "CNY"}
        assert first["reference_price"] == {"amount": "98.00", "currency": "CNY"}
        assert [(p["name"], p["quantity"], p["savings"]["amount"])
                for p in first["participant_organizations"]] == [
            (jw.purchasers[0].name, 20, "120.00"), (jw.purchasers[1].name, 30, "180.00"),
            (jw.purchasers[2].name, 50, "300.00")]
        assert body["items"][1]["value"]["amount"] == "0.00"
    assert _report(client, jw, jw.center, "?year=2001").get_json()["items"] == []


def test_a_purchaser_sees_only_the_campaigns_it_took_part_in(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    awarded, failed = _awarded(client, jw, db_session), _failed(client, jw)
    body = _report(client, jw, jw.buyers[1]).get_json()  # the year defaults to this one
    assert [i["id"] for i in body["items"]] == [awarded, failed]
    mine = body["items"][0]["mine"]
    assert mine == {"quantity": 30, "value": {"amount": "2760.00", "currency": "CNY"},
                    "savings": {"amount": "180.00", "currency": "CNY"}}
    assert "participant_organizations" not in body["items"][0]
    text = str(body)
    assert jw.purchasers[0].name not in text and jw.purchasers[2].name not in text
    # the lead and the third participant were not in the failed one
    assert [i["id"] for i in _report(client, jw, jw.buyers[2]).get_json()["items"]] == [
        awarded]
    outsider = make_user(db_session, make_org(db_session, kind="purchaser", region="CN-BJ"),
                         roles=("auditor",))
    assert _report(client, jw, outsider).get_json() == {"year": utcnow().year, "items": [],
                                                        "totals": []}


def test_report_access_and_bad_input(client: FlaskClient, jw: JointWorld) -> None:
    assert _report(client, jw, jw.supplier_users[0]).status_code == 403
    assert client.get("/api/v1/reports/joint-purchases").status_code == 401
    bad = _report(client, jw, jw.center, "?year=abc")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"]
    assert _report(client, jw, jw.center, "?year=1999").status_code == 400


def test_the_report_page(app: Flask, client: FlaskClient, jw: JointWorld,
                         db_session: Session) -> None:
    awarded = _awarded(client, jw, db_session)
    center = _as(app, jw.center).get("/joint-purchases/report")
    assert center.status_code == 200
    assert f'data-joint-purchase-id="{awarded}"'.encode() in center.data
    assert b'class="num quantity">100<' in center.data
    assert jw.purchasers[2].name.encode() in center.data
    page = _as(app, jw.buyers[1]).get(f"/joint-purchases/report?year={utcnow().year}")
    assert b"Joint purchases in" in page.data and b'class="num mine">30' in page.data
    assert jw.purchasers[2].name.encode() not in page.data
    assert b"No joint purchases in this year." in _as(app, jw.buyers[1]).get(
        "/joint-purchases/report?year=2001").data
    assert b"joint-report-link" in _as(app, jw.buyers[1]).get("/joint-purchases").data


def test_spend_counts_joint_orders_like_others_with_a_joint_figure_and_filter(
        app: Flask, client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    _awarded(client, jw, db_session)  # only the 1,840 share is ordered directly
    world = build_world(db_session, app, price="10.00")
    world.requisition((world.offers[0], 5))  # an ordinary order of 50.00
    headers = jw.headers(jw.center)

    def totals(query: str) -> Any:
        response = client.get(f"/api/v1/reports/spend?group_by=supplier{query}",
                              headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        [row] = body["totals"]
        return body["joint"], row["spend"]["amount"], row["joint_spend"]["amount"]

    assert totals("") == (None, "1890.00", "1840.00")
    assert totals("&joint=true") == (True, "1840.00", "1840.00")
    assert totals("&joint=false") == (False, "50.00", "0.00")
    assert client.get("/api/v1/reports/spend?joint=perhaps",
                      headers=headers).status_code == 400
