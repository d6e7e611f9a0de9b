"""Second-stage competitions: invitations, sealed quotes, SME deduction, award and flags."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.db import utcnow
from mall.orders.models import Competition, Flag, Requisition
from tests.factories.accounts import center_admin
from tests.orders.conftest import World, build_world


def _competition(world: World, quantity: int = 300_000) -> tuple[Requisition, Competition]:
    requisition = world.requisition((world.offers[0], quantity))
    assert requisition.route == "competition", requisition.route
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    return requisition, competition


def _quote(client: FlaskClient, world: World, user: User, competition: Competition,
           price: str) -> object:
    line_id = competition.requisition.lines[0].id
    return client.post(f"/api/v1/competitions/{competition.id}/quotes",
                       json={"lines": [{"line_id": line_id, "unit_price": price}]},
                       headers=world.headers(user))


def _close(world: World, competition: Competition) -> None:
    """Tests move the deadline into the past directly in the database."""
    competition.deadline = utcnow() - timedelta(minutes=1)
    world.session.flush()


@pytest.fixture
def sme_world(db_session: Session, app: Flask) -> World:
    # supplier 0 is large, 1 small, 2 micro
    return build_world(db_session, app, sizes=("large", "small", "micro"))


def test_fewer_than_three_eligible_suppliers_goes_to_approval(db_session: Session,
                                                              app: Flask) -> None:
    world = build_world(db_session, app, suppliers=3)
    world.suppliers[2].status = "suspended"
    db_session.flush()
    requisition = world.requisition((world.offers[0], 300_000))
    assert (requisition.route, requisition.status) == ("approval", "pending")
    assert requisition.required_approvals == 1
    decision = requisition.decisions[-1]
    rule = next(r for r in decision.rules if r["rule"] == "competition_suppliers")
    assert rule["outcome"] == "approval"
    assert rule["inputs"]["eligible_suppliers"] == sorted(s.id for s in world.suppliers[:2])
    assert "fewer than 3" in rule["message_en"]


@pytest.mark.smoke
def test_invitations_and_sealed_quotes(client: FlaskClient, sme_world: World) -> None:
    world = sme_world
    _, competition = _competition(world)
    assert {i.supplier_id for i in competition.invitations} == {s.id for s in world.suppliers}
    assert competition.sme_deduction == Decimal("0.10")
    s0, s1 = world.supplier_user(0), world.supplier_user(1)
    assert _quote(client, world, s0, competition, "0.95").status_code == 201
    # one final quote per supplier
    again = _quote(client, world, s0, competition, "0.90")
    assert again.status_code == 409 and again.json["error"]["code"] == "quote_exists"
    # purchaser sees no quote before the deadline; the supplier sees only its own
    seen = client.get(f"/api/v1/competitions/{competition.id}",
                      headers=world.headers(world.buyer)).json
    assert seen["quotes"] is None
    _quote(client, world, s1, competition, "0.97")
    own = client.get(f"/api/v1/competitions/{competition.id}", headers=world.headers(s1)).json
    assert [q["supplier_id"] for q in own["quotes"]] == [world.suppliers[1].id]
    # uninvited supplier
    outsider = build_world(world.session, world.app).supplier_user(0)
    assert _quote(client, world, outsider, competition, "0.90").status_code == 404
    # award before the deadline is refused
    early = client.post(f"/api/v1/competitions/{competition.id}/award",
                        headers=world.headers(world.buyer))
    assert early.status_code == 409 and early.json["error"]["code"] == "deadline_not_passed"
    _close(world, competition)
    late = _quote(client, world, world.supplier_user(2), competition, "0.80")
    assert late.status_code == 409 and late.json["error"]["code"] == "competition_closed"
    after = client.get(f"/api/v1/competitions/{competition.id}",
                       headers=world.headers(world.buyer)).json
    assert len(after["quotes"]) == 2


def test_quote_above_ceiling_is_refused(client: FlaskClient, sme_world: World) -> None:
    world = sme_world
    world.agreement.lots[0].ceiling_price = Decimal("1.20")
    world.session.flush()
    _, competition = _competition(world)
    response = _quote(client, world, world.supplier_user(1), competition, "1.21")
    assert response.status_code == 422
    assert response.json["error"]["details"]["problems"][0]["code"] == "above_ceiling"
    assert _quote(client, world, world.supplier_user(1), competition, "1.20").status_code == 201


def test_sme_deduction_changes_the_winner_and_orders_at_quoted_price(
        client: FlaskClient, sme_world: World) -> None:
    world = sme_world
    requisition, competition = _competition(world)
    large, small = world.supplier_user(0), world.supplier_user(1)
    # large: 0.95 → 285,000; small: 1.00 → 300,000, evaluated 270,000 after 10%
    assert _quote(client, world, large, competition, "0.95").status_code == 201
    assert _quote(client, world, small, competition, "1.00").status_code == 201
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           headers=world.headers(world.buyer))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "awarded"
    winner = response.json["quotes"][0]
    assert winner["supplier_id"] == world.suppliers[1].id
    assert winner["evaluated_total"]["amount"] == "270000.00"
    world.session.refresh(requisition)
    assert requisition.status == "ordered"
    order = requisition.orders[0]
    assert order.supplier_id == world.suppliers[1].id
    assert order.total == Decimal("300000.00")  # the quoted price, not the deducted one
    assert order.lines[0].unit_price == Decimal("1.00")
    again = client.post(f"/api/v1/competitions/{competition.id}/award",
                        headers=world.headers(world.buyer))
    assert again.status_code == 409


def test_without_deduction_the_lower_price_wins(db_session: Session, app: Flask,
                                                client: FlaskClient) -> None:
    world = build_world(db_session, app, jurisdiction="us-federal",
                        sizes=("large", "small", "micro"))
    _, competition = _competition(world, 20_000)
    assert competition.sme_deduction == 0
    _quote(client, world, world.supplier_user(0), competition, "0.95")
    _quote(client, world, world.supplier_user(1), competition, "1.00")
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           headers=world.headers(world.buyer))
    assert response.json["quotes"][0]["supplier_id"] == world.suppliers[0].id


def test_tie_goes_to_the_earlier_quote_and_identical_totals_are_flagged(
        client: FlaskClient, world: World) -> None:
    world.suppliers[1].contact_email = "Sales@Same.example"
    world.suppliers[2].contact_email = "sales@same.example"
    world.session.flush()
    _, competition = _competition(world)
    _quote(client, world, world.supplier_user(2), competition, "0.90")
    _quote(client, world, world.supplier_user(1), competition, "0.90")
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           headers=world.headers(world.buyer))
    assert response.json["quotes"][0]["supplier_id"] == world.suppliers[2].id
    flags = {f.kind: f for f in world.session.scalars(select(Flag).where(
        Flag.competition_id == competition.id))}
    assert set(flags) == {"identical_totals", "shared_contact"}
    pair = sorted([world.suppliers[1].id, world.suppliers[2].id])
    assert flags["identical_totals"].supplier_ids == pair
    assert flags["shared_contact"].supplier_ids == pair
    admin = center_admin(world.session)
    listed = client.get("/api/v1/admin/flags", headers=world.headers(admin))
    assert listed.status_code == 200 and listed.json["total"] == 2
    assert client.get("/api/v1/admin/flags",
                      headers=world.headers(world.buyer)).status_code == 403


def test_award_without_quotes_is_refused(client: FlaskClient, world: World) -> None:
    _, competition = _competition(world)
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           headers=world.headers(world.buyer))
    assert response.status_code == 422 and response.json["error"]["code"] == "no_quotes"


def test_configured_sme_deduction_is_used(db_session: Session, app: Flask) -> None:
    from mall.orders.services.facts import Settings

    world = build_world(db_session, app)
    world.settings = Settings(jurisdiction="cn-central", sme_deduction=Decimal("0.20"))
    _, competition = _competition(world)
    assert competition.sme_deduction == Decimal("0.20")
