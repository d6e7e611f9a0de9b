"""One purchase order, for each party: its lines, the other party, a timeline, its actions.

The timeline is the order's audit events (who, when, why); cancelling asks for a
confirmation on a page of its own (the CSP allows no inline script for a confirm dialog).
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from mall.accounts.models import Organization, Role, User
from mall.accounts.permissions import (
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    SUPPLIER,
    page_guard,
)
from mall.db import db
from mall.orders.models import OrderParty, PurchaseOrder
from mall.orders.pages.blueprint import pages
from mall.orders.services import history, purchase_orders


def actions_for(order: PurchaseOrder, party: str) -> list[str]:
    """The transitions this party may make from the order's current status."""
    return [action for action, (sources, _target, who) in purchase_orders.TRANSITIONS.items()
            if who == party and order.status in sources]


def _detail(user: User, order_id: int, party: str) -> Any:
    session = db.session()
    order = purchase_orders.order_for(session, user, order_id, party)
    events = history.events_of(session, "order", order.id, "order.")
    names = history.user_names(session, [e.actor_user_id for e in events])
    other = session.get(Organization, order.supplier_id if party == OrderParty.purchaser
                        else order.purchaser_organization_id)
    actions = actions_for(order, party) if (
        party == OrderParty.supplier or user.has_role(*PURCHASING_ROLES)) else []
    return render_template("orders/order.html", o=order, party=party, other=other,
                           events=events, names=names, actions=actions)


@pages.get("/orders/<int:order_id>")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def purchaser_order(order_id: int, user: User) -> Any:
    return _detail(user, order_id, OrderParty.purchaser)


@pages.get("/supplier/orders/<int:order_id>")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order(order_id: int, user: User) -> Any:
    return _detail(user, order_id, OrderParty.supplier)


@pages.get("/orders/<int:order_id>/cancel")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def confirm_cancel(order_id: int, user: User) -> Any:
    order = purchase_orders.order_for(db.session(), user, order_id, OrderParty.purchaser)
    return render_template("orders/order_cancel.html", o=order,
                           may_cancel="cancel" in actions_for(order, OrderParty.purchaser))
