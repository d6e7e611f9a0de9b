"""Purchase orders: the life cycle, each step by the right party, stock kept right."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from mall.orders.models import OrderStatus, PurchaseOrder
from mall.orders.services.purchase_orders import TRANSITIONS
from tests.orders.conftest import World, build_world

SUPPLIER_ACTIONS = ("confirm", "ship", "deliver", "reject")
PURCHASER_ACTIONS = ("accept", "cancel")


def _order(world: World, quantity: int = 10) -> PurchaseOrder:
    requisition = world.requisition((world.offers[0], quantity))
    return requisition.orders[0]


def _act(client: FlaskClient, world: World, order_id: int, action: str) -> object:
    if action in SUPPLIER_ACTIONS:
        user = world._supplier
        return client.post(f"/api/v1/supplier/orders/{order_id}/{action}",
                           headers=world.headers(user))
    return client.post(f"/api/v1/orders/{order_id}/{action}", headers=world.headers(world.buyer))


@pytest.fixture
def order_world(world: World) -> World:
    world._supplier = world.supplier_user(0)  # type: ignore[attr-defined]
    return world


@pytest.mark.smoke
def test_happy_path_by_the_right_parties(client: FlaskClient, order_world: World) -> None:
    world = order_world
    order = _order(world)
    for action, status in (("confirm", "confirmed"), ("ship", "shipped"),
                           ("deliver", "delivered"), ("accept", "accepted")):
        response = _act(client, world, order.id, action)
        assert response.status_code == 200, (action, response.json)
        assert response.json["status"] == status
    listed = client.get("/api/v1/supplier/orders", headers=world.headers(world._supplier)).json
    assert listed["total"] == 1 and listed["items"][0]["lines"][0]["sku"]
    mine = client.get(f"/api/v1/orders/{order.id}", headers=world.headers(world.buyer))
    assert mine.json["status"] == "accepted"


def test_every_illegal_transition_is_refused(client: FlaskClient, order_world: World) -> None:
    world = order_world
    order = _order(world)
    refused = 0
    for status in OrderStatus:
        for action, (sources, _, _) in TRANSITIONS.items():
            if status in sources:
                continue
            world.session.execute(PurchaseOrder.__table__.update().where(
                PurchaseOrder.id == order.id).values(status=status.value))
            world.session.expire_all()
            response = _act(client, world, order.id, action)
            assert response.status_code == 409, (status, action)
            assert response.json["error"]["code"] == "illegal_transition"
            assert response.json["error"]["details"]["status"] == status
            refused += 1
    assert refused == len(OrderStatus) * len(TRANSITIONS) - sum(
        len(s) for s, _, _ in TRANSITIONS.values())


def test_wrong_party_cannot_act(client: FlaskClient, order_world: World) -> None:
    world = order_world
    order = _order(world)
    # another supplier cannot see or move this order
    stranger = world.supplier_user(1)
    assert client.post(f"/api/v1/supplier/orders/{order.id}/confirm",
                       headers=world.headers(stranger)).status_code == 404
    # a purchaser cannot use the supplier's endpoints, a supplier cannot use the purchaser's
    assert client.post(f"/api/v1/supplier/orders/{order.id}/confirm",
                       headers=world.headers(world.buyer)).status_code == 403
    assert client.post(f"/api/v1/orders/{order.id}/cancel",
                       headers=world.headers(world._supplier)).status_code == 403
    other = build_world(world.session, world.app)
    assert client.post(f"/api/v1/orders/{order.id}/cancel",
                       headers=other.headers(other.buyer)).status_code == 404
    assert client.get(f"/api/v1/orders/{order.id}",
                      headers=other.headers(other.buyer)).status_code == 404


@pytest.mark.parametrize(("path", "party"), [("cancel", "purchaser"), ("reject", "supplier")])
def test_stock_released_on_cancel_or_reject(client: FlaskClient, order_world: World,
                                            path: str, party: str) -> None:
    world = order_world
    offer = world.offers[0]
    start = offer.stock
    order = _order(world, 25)
    world.session.refresh(offer)
    assert offer.stock == start - 25
    response = _act(client, world, order.id, path)
    assert response.status_code == 200
    world.session.refresh(offer)
    assert offer.stock == start
    assert offer.version == 3
    # the requisition no longer counts towards the cumulative total
    from mall.orders.models import Requisition

    assert world.session.get(Requisition, order.requisition_id).status == "cancelled"


def test_ship_through_the_api_keeps_a_trimmed_tracking_number(client: FlaskClient,
                                                               order_world: World) -> None:
    from mall.audit.models import AuditEvent

    world = order_world
    order = _order(world)
    assert _act(client, world, order.id, "confirm").status_code == 200  # type: ignore[attr-defined]
    ship = f"/api/v1/supplier/orders/{order.id}/ship"
    headers = world.headers(world._supplier)  # type: ignore[attr-defined]
    # bad input is a 400 in the documented shape and changes nothing
    for body in ({"tracking_number": "X" * 65}, {"tracking_number": 12345},
                 {"tracking_number": "SF1", "carrier": "SF"}, ["SF1"]):
        refused = client.post(ship, json=body, headers=headers)
        assert refused.status_code == 400, body
        assert refused.json["error"]["code"] == "validation_failed"
        assert isinstance(refused.json["error"]["details"]["problems"], list)
    broken = client.post(ship, data="{not json", headers={**headers,
                                                         "Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json["error"]["code"] == "invalid_json"
    world.session.refresh(order)
    assert order.status == OrderStatus.confirmed and order.tracking_number is None
    # the other supplier actions take no tracking number
    confirm_again = client.post(f"/api/v1/supplier/orders/{order.id}/deliver",
                                json={"tracking_number": "SF1"}, headers=headers)
    assert confirm_again.status_code == 400

    shipped = client.post(ship, json={"tracking_number": "  SF1234567890 \t",
                                      "reason": "via SF Express"}, headers=headers)
    assert shipped.status_code == 200, shipped.json
    assert shipped.json["status"] == "shipped"
    assert shipped.json["tracking_number"] == "SF1234567890"
    seen = client.get(f"/api/v1/orders/{order.id}", headers=world.headers(world.buyer))
    assert seen.json["tracking_number"] == "SF1234567890"
    event = world.session.query(AuditEvent).filter_by(
        action="order.ship", target_type="order", target_id=str(order.id)).one()
    assert event.after["tracking_number"] == "SF1234567890"


def test_ship_through_the_api_without_a_body_or_with_a_blank_number(
        client: FlaskClient, order_world: World) -> None:
    world = order_world
    headers = world.headers(world._supplier)  # type: ignore[attr-defined]
    first, second = _order(world), _order(world)
    for order in (first, second):
        assert _act(client, world, order.id, "confirm").status_code == 200  # type: ignore[attr-defined]
    bare = client.post(f"/api/v1/supplier/orders/{first.id}/ship", headers=headers)
    assert bare.status_code == 200 and bare.json["tracking_number"] is None
    blank = client.post(f"/api/v1/supplier/orders/{second.id}/ship",
                        json={"tracking_number": "   "}, headers=headers)
    assert blank.status_code == 200 and blank.json["tracking_number"] is None
