"""Orders API, purchase orders: the purchaser's list and actions, the supplier's confirm, ship,
deliver and reject."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from mall.accounts.models import Role, User
from mall.accounts.permissions import PURCHASER, PURCHASING_ROLES, READER_ROLES, SUPPLIER, api_guard
from mall.apidoc import documented, page_of
from mall.db import db
from mall.http import json_body, load, paginate
from mall.orders.models import OrderParty, PurchaseOrder
from mall.orders.schemas import OrderListQuerySchema, OrderSchema, ReasonSchema, ShipSchema
from mall.orders.serializers import order_json
from mall.orders.services import purchase_orders
from mall.orders.views.blueprint import api


def _order_list(user: User, party: str) -> Any:
    query = purchase_orders.orders_query(user, party)
    if request.args.get("status"):
        query = query.where(PurchaseOrder.status == request.args["status"])
    return jsonify(paginate(db.session(), query, order_json))


def _order_action(user: User, order_id: int, action: str, party: str) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    order = purchase_orders.transition(db.session(), user, order_id, action, party,
                                       data.get("reason"))
    db.session.commit()
    return jsonify(order_json(order))


@api.get("/orders")
@documented(query=OrderListQuerySchema, responses={200: page_of(OrderSchema)},
            paginated=True)
@api_guard(*READER_ROLES, kinds=PURCHASER)
def order_list(user: User) -> Any:
    return _order_list(user, OrderParty.purchaser)


@api.get("/orders/<int:order_id>")
@documented(responses={200: OrderSchema})
@api_guard(*READER_ROLES, kinds=PURCHASER)
def order_show(order_id: int, user: User) -> Any:
    order = purchase_orders.order_for(db.session(), user, order_id, OrderParty.purchaser)
    return jsonify(order_json(order))


@api.post("/orders/<int:order_id>/<any(accept, cancel):action>")
@documented(body=ReasonSchema, responses={200: OrderSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, OrderParty.purchaser)


@api.get("/supplier/orders")
@documented(query=OrderListQuerySchema, responses={200: page_of(OrderSchema)},
            paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_list(user: User) -> Any:
    return _order_list(user, OrderParty.supplier)


@api.get("/supplier/orders/<int:order_id>")
@documented(responses={200: OrderSchema})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_show(order_id: int, user: User) -> Any:
    order = purchase_orders.order_for(db.session(), user, order_id, OrderParty.supplier)
    return jsonify(order_json(order))


@api.post("/supplier/orders/<int:order_id>/<any(confirm, deliver, reject):action>")
@documented(body=ReasonSchema, responses={200: OrderSchema}, errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, OrderParty.supplier)


@api.post("/supplier/orders/<int:order_id>/ship")
@documented(body=ShipSchema, responses={200: OrderSchema}, errors=[409, 422],
            examples={"request": {"tracking_number": "SF1234567890"}})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_ship(order_id: int, user: User) -> Any:
    """Ship a confirmed order, optionally with the carrier's tracking number (kept on the
    order and in its timeline). The body may be empty; a body that is sent must be valid."""
    data = load(ShipSchema(), json_body() if request.get_data() else {})
    order = purchase_orders.transition(db.session(), user, order_id, "ship",
                                       OrderParty.supplier, data.get("reason"),
                                       data.get("tracking_number") or None)
    db.session.commit()
    return jsonify(order_json(order))
