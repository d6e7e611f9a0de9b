"""A small market with every kind of contracting process the OCDS export publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.db import utcnow
from mall.orders.models import Competition, Requisition
from mall.orders.services import awards, competitions, purchase_orders, requisitions
from tests.factories.accounts import make_org
from tests.orders.conftest import World, build_world

# The price the still-sealed quote names: it must appear nowhere in the open data.
SEALED_PRICE = "0.77"


@dataclass
class Market:
    world: World
    center: Organization
    direct: Requisition  # ordered directly, its order confirmed
    awarded: Competition  # quoted by suppliers 1 and 2, awarded
    sealed: Competition  # quoting open, supplier 0 has quoted SEALED_PRICE
    cancelled: Competition  # cancelled by the buyer after supplier 1 quoted
    pending: Requisition  # waits for approval: not a published process
    withdrawn: Requisition  # cancelled while waiting for approval: never published


def _competition(world: World, quantity: int = 300_000) -> Competition:
    requisition = world.requisition((world.offers[0], quantity))
    assert requisition.route == "competition", requisition.route
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    assert competition is not None
    return competition


def _quote(world: World, supplier: int, competition: Competition, price: str) -> None:
    line = competition.requisition.lines[0]
    competitions.submit_quote(world.session, world.supplier_user(supplier), competition.id,
                              [{"line_id": line.id, "unit_price": price}])


def build_market(session: Session, app: Flask) -> Market:
    world = build_world(session, app, sizes=("large", "small", "micro"))
    center = make_org(session, kind="center", region="*")
    direct = world.requisition((world.offers[0], 2))
    assert direct.status == "ordered", direct.route
    purchase_orders.transition(session, world.supplier_user(0), direct.orders[0].id,
                               "confirm", "supplier")

    awarded = _competition(world)
    _quote(world, 1, awarded, "0.95")
    _quote(world, 2, awarded, "0.99")
    awarded.deadline = utcnow() - timedelta(minutes=1)  # quoting ends: move the deadline
    session.flush()
    awards.award(session, world.buyer, awarded.id)

    sealed = _competition(world)
    _quote(world, 0, sealed, SEALED_PRICE)

    cancelled = _competition(world)
    _quote(world, 1, cancelled, "0.93")
    competitions.cancel_competition(session, world.buyer, cancelled.id, "Need changed")

    world.purchaser.approval_one_approver_above = 1  # type: ignore[assignment]
    session.flush()
    pending = world.requisition((world.offers[1], 3))
    assert pending.status == "pending", (pending.route, pending.status)
    withdrawn = world.requisition((world.offers[2], 4))
    requisitions.cancel_requisition(session, world.buyer, withdrawn.id, "Not needed")
    assert withdrawn.status == "cancelled"
    return Market(world, center, direct, awarded, sealed, cancelled, pending, withdrawn)


@pytest.fixture
def market(db_session: Session, app: Flask) -> Market:
    return build_market(db_session, app)


def all_releases(client: FlaskClient, **args: Any) -> list[dict[str, Any]]:
    """Every page of ``/api/v1/ocds/releases``, following ``links.next``."""
    url: str | None = "/api/v1/ocds/releases"
    releases: list[dict[str, Any]] = []
    query: dict[str, Any] | None = args
    while url:
        response = client.get(url, query_string=query)
        assert response.status_code == 200, response.json
        releases += response.json["releases"]
        url = response.json.get("links", {}).get("next")
        query = None
    return releases
