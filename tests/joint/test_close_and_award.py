"""Joint purchases, steps 3 and 4: close (failed or one competition), quotes, award → orders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.db import utcnow
from mall.joint.models import JointPurchase
from mall.joint.services.closing import close_due
from mall.orders.models import Competition, PurchaseOrder, Requisition
from mall.orders.services.facts import Settings
from tests.joint.conftest import JointWorld


def _committed(client: FlaskClient, jw: JointWorld, **overrides: Any) -> int:
    cid = int(jw.create(client, **overrides)["id"])
    for buyer, qty in zip(jw.buyers, (20, 30, 50), strict=True):
        assert jw.commit(client, cid, buyer, qty).status_code == 200
    return cid


def _close(client: FlaskClient, jw: JointWorld, cid: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/joint-purchases/{cid}/close",
                           headers=jw.headers(jw.center))
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def _quote(client: FlaskClient, jw: JointWorld, index: int, competition_id: int,
           line_id: int, price: str) -> Any:
    return client.post(f"/api/v1/competitions/{competition_id}/quotes",
                       json={"lines": [{"line_id": line_id, "unit_price": price}]},
                       headers=jw.headers(jw.supplier_users[index]))


def test_below_the_minimum_the_campaign_fails_and_everyone_is_told(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    cid = _committed(client, jw, min_quantity=150)
    body = _close(client, jw, cid)
    assert body["status"] == "failed"
    assert "below the minimum quantity 150" in body["outcome_reason"]
    assert body["competition_id"] is None
    told = db_session.scalars(select(AuditEvent.target_id).where(
        AuditEvent.action == "joint_purchase.notify")).all()
    # the lead (the center) and every participant, once each
    assert sorted(told) == sorted(str(u.organization_id) for u in [jw.center, *jw.buyers])
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "joint_purchase.fail")) is not None
    late = jw.commit(client, cid, jw.buyers[0], 5)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == \
        "joint_purchase_closed"


def test_only_the_lead_or_the_center_closes(client: FlaskClient, jw: JointWorld) -> None:
    cid = int(jw.create(client, jw.buyers[0])["id"])
    other = client.post(f"/api/v1/joint-purchases/{cid}/close",
                        headers=jw.headers(jw.buyers[1]))
    assert other.status_code == 403
    supplier = client.post(f"/api/v1/joint-purchases/{cid}/close",
                           headers=jw.headers(jw.supplier_users[0]))
    assert supplier.status_code == 403
    own = client.post(f"/api/v1/joint-purchases/{cid}/close", headers=jw.headers(jw.buyers[0]))
    assert own.status_code == 200 and own.get_json()["status"] == "failed"  # nobody joined
    again = client.post(f"/api/v1/joint-purchases/{cid}/close",
                        headers=jw.headers(jw.buyers[0]))
    assert again.status_code == 409


def test_the_worker_closes_campaigns_at_closes_at(client: FlaskClient, jw: JointWorld,
                                                  db_session: Session) -> None:
    cid = _committed(client, jw)
    settings = Settings(jurisdiction="cn-central")
    campaign = db_session.get_one(JointPurchase, cid)
    assert close_due(db_session, settings) == 0  # not yet due
    campaign = db_session.get_one(JointPurchase, cid)
    assert campaign.status == "open"
    assert close_due(db_session, settings, now=campaign.closes_at + timedelta(seconds=1)) == 1
    campaign = db_session.get_one(JointPurchase, cid)
    assert campaign.status == "competing" and campaign.total_quantity == 100


def test_quotes_above_the_listed_price_or_ceiling_are_refused_and_the_center_awards(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    cid = _committed(client, jw)
    closed = _close(client, jw, cid)
    assert closed["status"] == "competing"
    assert closed["reference_price"] == {"amount": "98.00", "currency": "CNY"}
    competition_id = closed["competition_id"]
    # suppliers see the aggregate quantity and the delivery regions
    seen = client.get(f"/api/v1/competitions/{competition_id}",
                      headers=jw.headers(jw.supplier_users[1])).get_json()
    assert seen["lines"][0]["quantity"] == 100
    assert "CN-BJ, CN-GD, CN-SH" in seen["requirement_text"]
    line_id = seen["lines"][0]["id"]
    above_listed = _quote(client, jw, 2, competition_id, line_id, "99.50")  # lists at 99
    assert above_listed.status_code == 422
    problems = above_listed.get_json()["error"]["details"]["problems"]
    assert [p["code"] for p in problems] == ["above_listed_price"]
    above_ceiling = _quote(client, jw, 0, competition_id, line_id, "151.00")
    assert above_ceiling.status_code == 422
    assert "above_ceiling" in {p["code"] for p in
                               above_ceiling.get_json()["error"]["details"]["problems"]}
    for index, price in ((0, "90.00"), (1, "92.00"), (2, "95.00")):
        assert _quote(client, jw, index, competition_id, line_id, price).status_code == 201
    competition = db_session.get_one(Competition, competition_id)
    competition.deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    not_lead = client.post(f"/api/v1/joint-purchases/{cid}/award",
                           headers=jw.headers(jw.buyers[1]))
    assert not_lead.status_code == 404  # the center leads this one
    by_center = client.post(f"/api/v1/joint-purchases/{cid}/award",
                            headers=jw.headers(jw.center))
    assert by_center.status_code == 200, by_center.get_json()
    assert by_center.get_json()["award"]["unit_price"]["amount"] == "92.00"
    # the center sees every participant's outcome
    outcomes = by_center.get_json()["commitments"]
    assert sorted(c["requisition_status"] for c in outcomes) == ["ordered", "pending",
                                                                 "pending"]


def test_a_buyer_lead_awards_and_each_participant_gets_its_order(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    lead = jw.buyers[0]
    cid = int(jw.create(client, lead)["id"])
    for buyer, qty in zip(jw.buyers, (20, 30, 50), strict=True):
        assert jw.commit(client, cid, buyer, qty).status_code == 200
    closed = client.post(f"/api/v1/joint-purchases/{cid}/close", headers=jw.headers(lead))
    competition_id = closed.get_json()["competition_id"]
    line_id = client.get(f"/api/v1/competitions/{competition_id}",
                         headers=jw.headers(lead)).get_json()["lines"][0]["id"]
    for index, price in ((0, "90.00"), (1, "92.00"), (2, "95.00")):
        assert _quote(client, jw, index, competition_id, line_id, price).status_code == 201
    too_soon = client.post(f"/api/v1/joint-purchases/{cid}/award", headers=jw.headers(lead))
    assert too_soon.status_code == 409
    competition = db_session.get_one(Competition, competition_id)
    competition.deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    not_lead = client.post(f"/api/v1/joint-purchases/{cid}/award",
                           headers=jw.headers(jw.buyers[1]))
    assert not_lead.status_code == 404
    awarded = client.post(f"/api/v1/joint-purchases/{cid}/award", headers=jw.headers(lead))
    assert awarded.status_code == 200, awarded.get_json()
    body = awarded.get_json()
    # SME deduction: small 92 ranks 82.80, micro 95 → 85.50, large 90 → 90.00
    assert body["award"] == {"unit_price": {"amount": "92.00", "currency": "CNY"},
                             "savings": {"amount": "600.00", "currency": "CNY"}}
    assert body["status"] == "awarded"
    requisitions = {r.purchaser_organization_id: r for r in db_session.scalars(
        select(Requisition).where(Requisition.justification.like(f"Joint purchase #{cid}:%")))}
    assert len(requisitions) == 3
    a, b, c = (requisitions[p.id] for p in jw.purchasers)
    assert (a.route, a.status) == ("direct", "ordered")  # 1,840
    assert (b.route, b.status, b.required_approvals) == ("approval", "pending", 1)  # 2,760
    assert (c.route, c.status, c.required_approvals) == ("approval", "pending", 2)  # 4,600
    assert all(r.lines[0].unit_price == Decimal("92.00") for r in (a, b, c))
    assert all(r.lines[0].supplier_id == jw.suppliers[1].id for r in (a, b, c))
    orders = db_session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == a.id)).all()
    assert [(o.total, o.supplier_id) for o in orders] == [(Decimal("1840.00"),
                                                           jw.suppliers[1].id)]
    # the approvers of B's own organization place its order
    approver = jw.approvers[jw.purchasers[1].id][0]
    approved = client.post(f"/api/v1/requisitions/{b.id}/approve",
                           headers=jw.headers(approver))
    assert approved.status_code == 200 and approved.get_json()["status"] == "ordered"
    wrong = client.post(f"/api/v1/requisitions/{c.id}/approve", headers=jw.headers(approver))
    assert wrong.status_code == 404
    assert jw.offers[1].stock == 1000 - 20 - 30
    # C needs both of its approvers (collective decision above 4,000)
    for index, status in ((0, "pending"), (1, "ordered")):
        step = client.post(f"/api/v1/requisitions/{c.id}/approve",
                           headers=jw.headers(jw.approvers[jw.purchasers[2].id][index]))
        assert step.status_code == 200 and step.get_json()["status"] == status
    three = db_session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id.in_([a.id, b.id, c.id]))
        .order_by(PurchaseOrder.purchaser_organization_id)).all()
    assert [(o.purchaser_organization_id, o.total, o.lines[0].unit_price) for o in three] == [
        (jw.purchasers[0].id, Decimal("1840.00"), Decimal("92.00")),
        (jw.purchasers[1].id, Decimal("2760.00"), Decimal("92.00")),
        (jw.purchasers[2].id, Decimal("4600.00"), Decimal("92.00"))]
    assert jw.offers[1].stock == 1000 - 100
    assert {r.joint_purchase_id for r in (a, b, c)} == {cid}
    # the spend report counts joint orders like others, with their own figure
    report = client.get("/api/v1/reports/spend?group_by=supplier",
                        headers=jw.headers(jw.center)).get_json()
    row = next(i for i in report["items"] if i["key"] == str(jw.suppliers[1].id))
    assert row["spend"] == row["joint_spend"] == {"amount": "9200.00", "currency": "CNY"}
    mine = client.get(f"/api/v1/joint-purchases/{cid}",
                      headers=jw.headers(jw.buyers[1])).get_json()["my_commitment"]
    assert mine["savings"] == {"amount": "180.00", "currency": "CNY"}
    assert mine["requisition_id"] == b.id and len(mine["order_ids"]) == 1
    again = client.post(f"/api/v1/joint-purchases/{cid}/award", headers=jw.headers(lead))
    assert again.status_code == 409  # awarded once; nothing is ordered twice
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "joint_purchase.award")) is not None


def test_cancelling_the_competition_cancels_the_campaign(client: FlaskClient, jw: JointWorld,
                                                         db_session: Session) -> None:
    lead = jw.buyers[0]
    cid = int(jw.create(client, lead)["id"])
    assert jw.commit(client, cid, jw.buyers[1], 10).status_code == 200
    competition_id = client.post(f"/api/v1/joint-purchases/{cid}/close",
                                 headers=jw.headers(lead)).get_json()["competition_id"]
    outsider = client.post(f"/api/v1/competitions/{competition_id}/cancel",
                           json={"reason": "no"}, headers=jw.headers(jw.buyers[1]))
    assert outsider.status_code == 404  # a participant follows the campaign, not the award
    cancelled = client.post(f"/api/v1/competitions/{competition_id}/cancel",
                            json={"reason": "Requirement changed"}, headers=jw.headers(lead))
    assert cancelled.status_code == 200, cancelled.get_json()
    body = client.get(f"/api/v1/joint-purchases/{cid}", headers=jw.headers(lead)).get_json()
    assert (body["status"], body["outcome_reason"]) == ("cancelled", "Requirement changed")
