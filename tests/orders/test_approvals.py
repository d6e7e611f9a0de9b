"""Approvals: who may decide, collective decisions, rejections, the 7-day price hold."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mall.db import utcnow
from mall.errors import RuleViolation
from mall.orders.models import PurchaseOrder
from mall.orders.services import approvals
from tests.factories.accounts import approval_limits, make_user
from tests.orders.conftest import World, build_world


def _pending(world: World, quantity: int = 6000) -> int:
    approval_limits(world.purchaser, "5000", "8000", 2)
    requisition = world.requisition((world.offers[0], quantity))
    assert requisition.route == "approval"
    return requisition.id


@pytest.mark.smoke
def test_one_approver_approves_and_orders_are_created(client: FlaskClient, world: World) -> None:
    rid = _pending(world)
    response = client.post(f"/api/v1/requisitions/{rid}/approve",
                           headers=world.headers(world.approvers[0]))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ordered"
    assert len(response.json["orders"]) == 1
    assert response.json["orders"][0]["total"] == {"amount": "6000.00", "currency": "CNY"}


def test_who_may_approve(client: FlaskClient, world: World) -> None:
    rid = _pending(world)
    url = f"/api/v1/requisitions/{rid}/approve"
    # a buyer without the approver role
    assert client.post(url, headers=world.headers(world.buyer)).status_code == 403
    # the requester, even holding the approver role
    requester = make_user(world.session, world.purchaser, roles=("buyer", "approver"))
    own = world.requisition((world.offers[0], 6000), user=requester)
    refused = client.post(f"/api/v1/requisitions/{own.id}/approve",
                          headers=world.headers(requester))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "own_requisition"
    # an approver of another organization
    other = build_world(world.session, world.app)
    assert client.post(url, headers=other.headers(other.approvers[0])).status_code == 404
    assert world.session.scalar(select(func.count()).select_from(PurchaseOrder)) == 0


def test_collective_decision_needs_n_distinct_approvers(client: FlaskClient,
                                                        world: World) -> None:
    rid = _pending(world, 9000)
    url = f"/api/v1/requisitions/{rid}/approve"
    first = client.post(url, headers=world.headers(world.approvers[0]))
    assert first.status_code == 200 and first.json["status"] == "pending"
    assert first.json["orders"] == []
    again = client.post(url, headers=world.headers(world.approvers[0]))
    assert again.status_code == 409 and again.json["error"]["code"] == "already_decided"
    second = client.post(url, headers=world.headers(world.approvers[1]))
    assert second.json["status"] == "ordered" and len(second.json["orders"]) == 1
    late = client.post(url, headers=world.headers(world.approvers[2]))
    assert late.status_code == 409 and late.json["error"]["code"] == "not_awaiting_approval"


def test_reject_needs_a_reason_and_stops_counting(client: FlaskClient, world: World) -> None:
    rid = _pending(world)
    url = f"/api/v1/requisitions/{rid}/reject"
    headers = world.headers(world.approvers[0])
    assert client.post(url, json={}, headers=headers).status_code == 400
    assert client.post(url, json={"reason": ""}, headers=headers).status_code == 400
    response = client.post(url, json={"reason": "Not budgeted"}, headers=headers)
    assert response.status_code == 200 and response.json["status"] == "rejected"
    assert response.json["approvals"][0]["reason"] == "Not budgeted"
    # the rejected 6,000 no longer counts: 200,000 is still direct (approval by limits)
    approval_limits(world.purchaser, None, None, None)
    assert world.requisition((world.offers[0], 200_000)).route == "direct"


def test_price_hold_honoured_for_seven_days(world: World) -> None:
    rid = _pending(world)
    offer = world.offers[0]
    offer.price = Decimal("1.50")
    world.session.flush()
    requisition = approvals.approve(world.session, world.approvers[0], rid,
                              now=utcnow() + timedelta(days=6))
    assert requisition.status == "ordered"
    assert requisition.orders[0].lines[0].unit_price == Decimal("1.00")


def test_after_the_hold_a_changed_price_is_refused(world: World) -> None:
    rid = _pending(world)
    offer = world.offers[0]
    offer.price = Decimal("1.50")
    world.session.flush()
    with pytest.raises(RuleViolation) as refused:
        approvals.approve(world.session, world.approvers[0], rid, now=utcnow() + timedelta(days=8))
    assert refused.value.code == "price_hold_expired"
    assert refused.value.details["price_changes"][0]["current_price"] == "1.50"


def test_after_the_hold_an_unchanged_eligible_offer_is_approved(world: World) -> None:
    rid = _pending(world)
    requisition = approvals.approve(world.session, world.approvers[0], rid,
                              now=utcnow() + timedelta(days=8))
    assert requisition.status == "ordered"


def test_after_the_hold_an_ineligible_offer_is_refused(world: World) -> None:
    rid = _pending(world)
    world.offers[0].status = "suspended"
    world.session.flush()
    with pytest.raises(RuleViolation) as refused:
        approvals.approve(world.session, world.approvers[0], rid, now=utcnow() + timedelta(days=8))
    assert refused.value.details["ineligible"]


def test_pending_requisition_can_be_cancelled(client: FlaskClient, world: World) -> None:
    rid = _pending(world)
    response = client.post(f"/api/v1/requisitions/{rid}/cancel",
                           headers=world.headers(world.buyer))
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    again = client.post(f"/api/v1/requisitions/{rid}/cancel", headers=world.headers(world.buyer))
    assert again.status_code == 409
