"""Second stage end to end through the API: the quoting period, closing early, cancelling,
awards other than rank 1, the supplier's invitation list, SME-reserved purchases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.db import utcnow
from mall.orders.models import Competition, Flag, Requisition
from mall.orders.services.facts import Settings
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_offer
from tests.orders.conftest import World, build_world
from tests.orders.test_competitions import _close, _competition, _quote

BIG = 300_000  # × 1.00 CNY: above cn-central's direct limit, below its competition limit


def _post_requisition(client: FlaskClient, world: World, **body: Any) -> Any:
    payload = {"lines": [{"offer_id": world.offers[0].id, "quantity": BIG}], **body}
    return client.post("/api/v1/requisitions", json=payload,
                       headers=world.headers(world.buyer))


def _competition_of(world: World, requisition_id: int) -> Competition:
    found = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition_id))
    assert found is not None
    return found


def _events(world: World, action: str, target_id: int) -> list[AuditEvent]:
    return list(world.session.scalars(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.target_id == str(target_id))))


# --- the quoting period ---------------------------------------------------------------

def test_deadline_before_the_minimum_quoting_period_is_refused(
        client: FlaskClient, world: World) -> None:
    before = world.session.scalar(select(Requisition.id).order_by(Requisition.id.desc()))
    soon = (datetime.now(UTC) + timedelta(hours=10)).isoformat()
    response = _post_requisition(client, world, competition_deadline=soon)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "deadline_too_soon"
    assert error["details"]["min_quoting_hours"] == 72
    assert "72 hours" in error["message"]
    # nothing was made
    assert world.session.scalar(select(Requisition.id).order_by(Requisition.id.desc())) \
        == before


def test_chosen_deadline_is_kept_and_shown(client: FlaskClient, world: World) -> None:
    chosen = (datetime.now(UTC) + timedelta(days=4)).replace(microsecond=0)
    response = _post_requisition(client, world, competition_deadline=chosen.isoformat())
    assert response.status_code == 201, response.json
    competition_id = response.json["competition_id"]
    shown = client.get(f"/api/v1/competitions/{competition_id}",
                       headers=world.headers(world.buyer)).json
    assert datetime.fromisoformat(shown["deadline"]) == chosen
    assert shown["quotes"] is None and shown["invited_count"] == 3


def test_too_late_and_malformed_deadlines(client: FlaskClient, world: World) -> None:
    late = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    response = _post_requisition(client, world, competition_deadline=late)
    assert response.status_code == 422 and response.json["error"]["code"] == \
        "deadline_too_late"
    # a time without its offset is ambiguous: refused by the schema
    naive = (datetime.now() + timedelta(days=4)).replace(microsecond=0).isoformat()
    response = _post_requisition(client, world, competition_deadline=naive)
    assert response.status_code == 400


def test_purchaser_override_shortens_the_minimum(client: FlaskClient, world: World) -> None:
    world.purchaser.min_quoting_hours = 24
    world.session.flush()
    soon = (datetime.now(UTC) + timedelta(hours=30)).isoformat()
    assert _post_requisition(client, world, competition_deadline=soon).status_code == 201
    # but never below the organization's own floor
    sooner = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    response = _post_requisition(client, world, competition_deadline=sooner)
    assert response.json["error"]["details"]["min_quoting_hours"] == 24


def test_the_organization_minimum_never_lengthens_the_profile(
        client: FlaskClient, world: World) -> None:
    world.purchaser.min_quoting_hours = 200
    world.session.flush()
    in_four_days = (datetime.now(UTC) + timedelta(hours=96)).isoformat()
    assert _post_requisition(client, world,
                             competition_deadline=in_four_days).status_code == 201


# --- closing early, cancelling --------------------------------------------------------

def test_close_early_only_once_everyone_has_quoted(client: FlaskClient, world: World) -> None:
    _, competition = _competition(world)
    url = f"/api/v1/competitions/{competition.id}/close"
    _quote(client, world, world.supplier_user(0), competition, "0.95")
    _quote(client, world, world.supplier_user(1), competition, "0.96")
    early = client.post(url, headers=world.headers(world.buyer))
    assert early.status_code == 409
    assert early.json["error"]["code"] == "quotes_outstanding"
    assert early.json["error"]["details"] == {"invited_count": 3, "quoted_count": 2}
    _quote(client, world, world.supplier_user(2), competition, "0.97")
    # a supplier cannot close it
    assert client.post(url, headers=world.headers(world.supplier_user(0))).status_code == 403
    closed = client.post(url, headers=world.headers(world.buyer))
    assert closed.status_code == 200, closed.json
    assert closed.json["closed_at"] is not None
    assert [q["rank"] for q in closed.json["quotes"]] == [1, 2, 3]
    assert all(q["supplier_id"] is None for q in closed.json["quotes"])  # not before award
    assert client.post(url, headers=world.headers(world.buyer)).status_code == 409
    award = client.post(f"/api/v1/competitions/{competition.id}/award",
                        headers=world.headers(world.buyer))
    assert award.status_code == 200 and award.json["status"] == "awarded"
    assert len(_events(world, "competition.close", competition.id)) == 1


def test_cancel_needs_a_reason_and_ends_the_requisition(
        client: FlaskClient, world: World) -> None:
    requisition, competition = _competition(world)
    url = f"/api/v1/competitions/{competition.id}/cancel"
    assert client.post(url, json={}, headers=world.headers(world.buyer)).status_code == 400
    blank = client.post(url, json={"reason": "   "}, headers=world.headers(world.buyer))
    assert blank.status_code == 422 and blank.json["error"]["code"] == "reason_required"
    response = client.post(url, json={"reason": "Need withdrawn by the department"},
                           headers=world.headers(world.buyer))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert response.json["cancel_reason"] == "Need withdrawn by the department"
    world.session.refresh(requisition)
    assert requisition.status == "cancelled"
    [event] = _events(world, "competition.cancel", competition.id)
    assert event.reason == "Need withdrawn by the department"
    # the invitee sees that and why; quoting is over
    supplier = world.supplier_user(1)
    seen = client.get(f"/api/v1/competitions/{competition.id}",
                      headers=world.headers(supplier)).json
    assert seen["standing"] == "cancelled" and seen["cancel_reason"]
    assert _quote(client, world, supplier, competition, "0.9").status_code == 409
    assert client.post(url, json={"reason": "again"},
                       headers=world.headers(world.buyer)).status_code == 409


def test_cancelling_the_requisition_cancels_its_competition(
        client: FlaskClient, world: World) -> None:
    requisition, competition = _competition(world)
    response = client.post(f"/api/v1/requisitions/{requisition.id}/cancel",
                           json={"reason": "duplicate request"},
                           headers=world.headers(world.buyer))
    assert response.status_code == 200
    world.session.refresh(competition)
    assert competition.status == "cancelled"
    assert competition.cancel_reason == "duplicate request"


# --- award ----------------------------------------------------------------------------

def test_award_to_another_rank_needs_a_reason_and_is_flagged(
        client: FlaskClient, world: World) -> None:
    requisition, competition = _competition(world)
    _quote(client, world, world.supplier_user(0), competition, "0.90")
    second = _quote(client, world, world.supplier_user(1), competition, "0.95").json
    _close(world, competition)
    url = f"/api/v1/competitions/{competition.id}/award"
    refused = client.post(url, json={"quote_id": second["id"]},
                          headers=world.headers(world.buyer))
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "award_reason_required"
    assert refused.json["error"]["details"] == {"rank": 2}
    unknown = client.post(url, json={"quote_id": 999_999, "reason": "x"},
                          headers=world.headers(world.buyer))
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_quote"
    world.session.refresh(competition)
    assert competition.status == "open"  # nothing changed
    response = client.post(url, json={"quote_id": second["id"],
                                      "reason": "Rank 1 cannot deliver before the term"},
                           headers=world.headers(world.buyer))
    assert response.status_code == 200, response.json
    assert response.json["awarded_rank"] == 2
    assert response.json["awarded_quote_id"] == second["id"]
    world.session.refresh(requisition)
    assert requisition.orders[0].supplier_id == world.suppliers[1].id
    assert requisition.orders[0].total == Decimal("285000.00")
    [flag] = world.session.scalars(select(Flag).where(
        Flag.competition_id == competition.id, Flag.kind == "non_first_award"))
    assert flag.details["rank"] == 2
    assert flag.details["reason"] == "Rank 1 cannot deliver before the term"
    assert flag.details["lowest_evaluated_total"] == "270000.00"
    [event] = _events(world, "competition.award", competition.id)
    assert event.reason == "Rank 1 cannot deliver before the term"
    assert event.after["rank"] == 2


def test_rank_one_award_raises_no_flag(client: FlaskClient, world: World) -> None:
    _, competition = _competition(world)
    first = _quote(client, world, world.supplier_user(2), competition, "0.80").json
    _quote(client, world, world.supplier_user(1), competition, "0.95")
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           json={"quote_id": first["id"]},
                           headers=world.headers(world.buyer))
    assert response.status_code == 200 and response.json["awarded_rank"] == 1
    assert world.session.scalar(select(Flag.id).where(
        Flag.competition_id == competition.id)) is None


# --- the supplier's list --------------------------------------------------------------

def test_supplier_list_open_first_with_own_standing_and_no_other_invitees(
        client: FlaskClient, world: World) -> None:
    _, first = _competition(world)
    _, second = _competition(world)
    _, third = _competition(world)
    supplier = world.supplier_user(1)
    _quote(client, world, supplier, second, "0.90")
    _quote(client, world, world.supplier_user(0), third, "0.91")
    _close(world, third)
    client.post(f"/api/v1/competitions/{third.id}/award", headers=world.headers(world.buyer))
    first.deadline = utcnow() + timedelta(days=1)  # nearest open deadline comes first
    world.session.flush()
    listed = client.get("/api/v1/supplier/competitions", headers=world.headers(supplier))
    assert listed.status_code == 200
    items = listed.json["items"]
    assert [c["id"] for c in items] == [first.id, second.id, third.id]
    assert [c["standing"] for c in items] == ["to_quote", "quoted", "missed"]
    others = {s.id for s in world.suppliers} - {world.suppliers[1].id}
    for item in items:
        assert item["invited_supplier_ids"] is None
        assert all(q["supplier_id"] == world.suppliers[1].id for q in item["quotes"])
    text = listed.get_data(as_text=True)
    assert not any(f'"supplier_id": {other}' in text for other in others)
    only_open = client.get("/api/v1/supplier/competitions?status=open",
                           headers=world.headers(supplier)).json
    assert [c["id"] for c in only_open["items"]] == [first.id, second.id]
    bad = client.get("/api/v1/supplier/competitions?status=nope",
                     headers=world.headers(supplier))
    assert bad.status_code == 400


def test_supplier_detail_shows_its_ceiling_per_line(client: FlaskClient, world: World) -> None:
    world.agreement.lots[0].ceiling_price = Decimal("1.20")
    world.session.flush()
    _, competition = _competition(world)
    seen = client.get(f"/api/v1/competitions/{competition.id}",
                      headers=world.headers(world.supplier_user(0))).json
    line_id = str(competition.requisition.lines[0].id)
    assert seen["ceilings"] == {line_id: "1.20"}
    assert seen["standing"] == "to_quote"


# --- SME-reserved purchases -----------------------------------------------------------

@pytest.fixture
def sme_market(db_session: Session, app: Flask) -> World:
    # three SMEs (small, micro, medium) and two large suppliers
    return build_world(db_session, app, suppliers=5,
                       sizes=("large", "small", "micro", "medium", "large"))


def test_reserved_purchase_invites_only_smes(client: FlaskClient, sme_market: World) -> None:
    world = sme_market
    response = _post_requisition(client, world, sme_reserved=True)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["route"] == "competition" and body["sme_reserved"] is True
    competition = _competition_of(world, body["id"])
    invited = {i.supplier_id for i in competition.invitations}
    assert invited == {s.id for s in world.suppliers if s.size != "large"}
    assert competition.sme_only is True
    rule = next(r for r in body["reasons"] if r["rule"] == "sme_reservation")
    assert rule["outcome"] == "competition"
    # a large supplier was not invited: for it the competition does not exist
    large = world.supplier_user(0)
    assert client.get(f"/api/v1/competitions/{competition.id}",
                      headers=world.headers(large)).status_code == 404
    assert _quote(client, world, large, competition, "0.5").status_code == 404


def test_too_few_smes_fall_back_to_an_open_competition(
        client: FlaskClient, world: World) -> None:
    world.suppliers[1].size = "small"
    world.session.flush()
    response = _post_requisition(client, world, sme_reserved=True)
    body = response.json
    assert body["route"] == "competition"
    competition = _competition_of(world, body["id"])
    assert len(competition.invitations) == 3 and competition.sme_only is False
    rule = next(r for r in body["reasons"] if r["rule"] == "sme_reservation")
    assert "Only 1 eligible SME" in rule["message_en"]
    assert "every eligible awarded supplier is invited" in rule["message_en"]


def test_too_few_smes_fall_back_to_approval_when_configured(
        db_session: Session, app: Flask) -> None:
    world = build_world(db_session, app)
    world.settings = Settings(jurisdiction="cn-central", sme_reservation_fallback="approval")
    requisition = world.requisition((world.offers[0], BIG), sme_reserved=True)
    assert (requisition.route, requisition.status) == ("approval", "pending")
    assert requisition.required_approvals >= 1
    rule = next(r for r in requisition.decisions[-1].rules if r["rule"] == "sme_reservation")
    assert rule["outcome"] == "approval"
    assert rule["inputs"]["sme_suppliers"] == []


def test_reserved_direct_purchase_refuses_a_large_supplier(
        client: FlaskClient, world: World) -> None:
    response = client.post("/api/v1/requisitions", json={
        "lines": [{"offer_id": world.offers[0].id, "quantity": 10}], "sme_reserved": True},
        headers=world.headers(world.buyer))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "sme_reserved_large_supplier"
    small = make_org(world.session, kind="supplier", size="small")
    offer = make_offer(world.session, world.agreement, small, price=Decimal("1.00"),
                       stock=1000)
    # The test shares one session with the app: drop its cached award list.
    world.session.expire(world.agreement, ["awards"])
    ok = client.post("/api/v1/requisitions", json={
        "lines": [{"offer_id": offer.id, "quantity": 10}], "sme_reserved": True},
        headers=world.headers(world.buyer))
    assert ok.status_code == 201 and ok.json["route"] == "direct", ok.json


def test_sme_reservation_report(client: FlaskClient, sme_market: World) -> None:
    world = sme_market
    reserved = _post_requisition(client, world, sme_reserved=True).json
    competition = _competition_of(world, reserved["id"])
    _quote(client, world, world.supplier_user(1), competition, "0.90")
    _close(world, competition)
    assert client.post(f"/api/v1/competitions/{competition.id}/award",
                       headers=world.headers(world.buyer)).status_code == 200
    # a direct purchase from a large supplier in another category, not reserved
    _, other = world.add_category()
    direct = client.post("/api/v1/requisitions", json={
        "lines": [{"offer_id": other.id, "quantity": 30_000}]},
        headers=world.headers(world.buyer))
    assert direct.json["route"] == "direct"
    auditor = make_user(world.session, world.purchaser, roles=("auditor",))
    year = utcnow().year
    report = client.get(f"/api/v1/reports/sme-reservation?year={year}",
                        headers=world.headers(auditor))
    assert report.status_code == 200, report.json
    [row] = report.json["items"]
    assert row["purchaser"]["id"] == world.purchaser.id
    assert row["total"] == {"amount": "300000.00", "currency": "CNY"}  # 270,000 + 30,000
    assert row["reserved"]["amount"] == "270000.00"
    assert row["share"] == "0.9000"
    assert row["target"]["share"] == "0.4000"
    assert row["target"]["applies"] is False  # below 4,000,000 CNY in the year
    assert row["target"]["met"] is True
    assert client.get("/api/v1/reports/sme-reservation",
                      headers=world.headers(world.buyer)).status_code == 403
    assert client.get("/api/v1/reports/sme-reservation?year=abc",
                      headers=world.headers(auditor)).status_code == 400
