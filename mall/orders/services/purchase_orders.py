"""Purchase orders: one per supplier with line snapshots, stock, and the order life cycle.

Orders are placed only for lines that are still eligible (``eligibility``), and a voided
(cancelled or rejected) order runs the registered cancel hooks, through which the payments
area refunds or refuses (orders never import payments).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.audit.services import record
from mall.catalog.services.offers import lock_offers
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation
from mall.i18n import N_
from mall.locks import for_update
from mall.money import line_total
from mall.orders.compliance.rules import LineFacts
from mall.orders.models import (
    OrderLine,
    OrderParty,
    OrderStatus,
    PurchaseOrder,
    Requisition,
    RequisitionStatus,
)
from mall.orders.services.eligibility import ensure_eligible, held_line_facts
from mall.outbox.services import enqueue


@dataclass(frozen=True)
class PlannedLine:
    requisition_line_id: int | None
    offer_id: int | None
    category_id: int
    title: str
    sku: str
    quantity: int
    unit_price: Decimal
    currency: str


def offer_quantities(lines: Iterable[PlannedLine | OrderLine]) -> dict[int, int]:
    """Quantity per offer over the lines that reserve stock (those with an offer)."""
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.offer_id is not None:
            quantities[line.offer_id] += line.quantity
    return dict(quantities)


def reserve_stock(session: Session, quantities: dict[int, int], reason: str) -> None:
    """Decrement stock under row locks; refused whole if any offer is short."""
    if not quantities:
        return
    offers = lock_offers(session, quantities, key_share=True)
    short = [{"offer_id": o.id, "sku": o.sku, "stock": o.stock, "quantity": quantities[o.id]}
             for o in offers if o.stock < quantities[o.id]]
    if short:
        raise RuleViolation(N_("Not enough stock to place the order."), code="insufficient_stock",
                            details={"lines": short})
    for offer in offers:
        offer.stock -= quantities[offer.id]
        offer.version += 1
    enqueue(session, "offer", [o.id for o in offers], reason)


def release_stock(session: Session, quantities: dict[int, int], reason: str) -> None:
    if not quantities:
        return
    offers = lock_offers(session, quantities, key_share=True)
    for offer in offers:
        offer.stock += quantities[offer.id]
        offer.version += 1
    enqueue(session, "offer", [o.id for o in offers], reason)


def create_orders(session: Session, requisition: Requisition,
                  by_supplier: dict[int, list[PlannedLine]], actor: User,
                  eligibility: Sequence[LineFacts], now: datetime,
                  competition_id: int | None = None,
                  audit_entries: list[dict[str, Any]] | None = None) -> list[PurchaseOrder]:
    """One order per supplier with line snapshots; stock reserved in the same transaction.

    ``eligibility`` is every planned line as the catalog has it now (``line_facts`` at the
    price to be paid); any failing line refuses the whole placement (``no_longer_eligible``).
    ``audit_entries``: where to append the ``order.place`` events for the caller to record
    with its own (``audit.record_many``, one statement); without it they are recorded here.
    """
    ensure_eligible(session, requisition, eligibility, now)
    reserve_stock(session, offer_quantities(pl for planned in by_supplier.values()
                                            for pl in planned), "stock_reserved")
    region = requisition.delivery_region or session.get_one(
        Organization, requisition.purchaser_organization_id).region
    orders = []
    for supplier_id in sorted(by_supplier):
        lines = [OrderLine(
            requisition_line_id=pl.requisition_line_id, offer_id=pl.offer_id,
            category_id=pl.category_id, title=pl.title, sku=pl.sku, quantity=pl.quantity,
            unit_price=pl.unit_price, currency=pl.currency,
            line_total=line_total(pl.unit_price, pl.quantity))
            for pl in by_supplier[supplier_id]]
        order = PurchaseOrder(
            requisition_id=requisition.id, competition_id=competition_id,
            purchaser_organization_id=requisition.purchaser_organization_id,
            supplier_id=supplier_id, status=OrderStatus.placed, lines=lines,
            delivery_region=region, delivery_address=requisition.delivery_address,
            total=sum((li.line_total for li in lines), Decimal("0")),
            currency=lines[0].currency)
        session.add(order)
        orders.append(order)
    session.flush()
    entries = [{"action": "order.place", "target_type": "order", "target_id": order.id,
                "actor": actor, "after": order_snapshot(order)} for order in orders]
    if audit_entries is not None:
        audit_entries.extend(entries)
    else:
        for entry in entries:
            record(session, **entry)
    return orders


def place_orders(session: Session, requisition: Requisition, actor: User,
                 now: datetime | None = None,
                 eligibility: Sequence[LineFacts] | None = None,
                 audit_entries: list[dict[str, Any]] | None = None) -> list[PurchaseOrder]:
    """Orders at the requisition's snapshot prices, one per supplier.

    ``eligibility``: the lines' facts when the caller has just read them in this transaction;
    otherwise they are read here. Either way the rule is applied at placement.
    ``audit_entries`` as for ``create_orders``.
    """
    if eligibility is None:
        eligibility = held_line_facts(session, requisition)
    by_supplier: dict[int, list[PlannedLine]] = defaultdict(list)
    for line in requisition.lines:
        by_supplier[line.supplier_id].append(PlannedLine(
            line.id, line.offer_id, line.category_id, line.title, line.sku, line.quantity,
            line.unit_price, line.currency))
    return create_orders(session, requisition, by_supplier, actor, eligibility, now or utcnow(),
                         audit_entries=audit_entries)


def order_snapshot(order: PurchaseOrder) -> dict[str, Any]:
    return {"status": order.status, "supplier_id": order.supplier_id,
            "total": str(order.total), "currency": order.currency,
            "delivery_region": order.delivery_region,
            "delivery_address": order.delivery_address,
            "lines": [{"sku": li.sku, "title": li.title, "quantity": li.quantity,
                       "unit_price": str(li.unit_price)} for li in order.lines]}


# The statuses that void an order: its stock goes back and the cancel hooks run.
VOID_STATUSES = frozenset({OrderStatus.cancelled, OrderStatus.rejected})

CancelHook = Callable[[Session, PurchaseOrder, User], None]
_cancel_hooks: list[CancelHook] = []


def register_cancel_hook(hook: CancelHook) -> None:
    """Have ``hook(session, order, actor)`` run whenever an order is cancelled or rejected.

    This is how higher layers (payments: refund or refuse) take part without orders importing
    them. A hook runs inside the transition's transaction, after the order's stock was
    released and its status set (so it holds the order and offer rows, in ``mall.locks``
    order, and may lock payment rows next) and before the transition is audited; it may
    record audit events itself. Raising an ``ApiError`` refuses the transition: the caller
    rolls back and nothing changes. Registering the same hook again does nothing.
    """
    if hook not in _cancel_hooks:
        _cancel_hooks.append(hook)


def cancel_hooks() -> tuple[CancelHook, ...]:
    return tuple(_cancel_hooks)


TRANSITIONS: dict[str, tuple[frozenset[str], str, OrderParty]] = {
    "confirm": (frozenset({OrderStatus.placed}), OrderStatus.confirmed, OrderParty.supplier),
    "reject": (frozenset({OrderStatus.placed}), OrderStatus.rejected, OrderParty.supplier),
    "ship": (frozenset({OrderStatus.confirmed}), OrderStatus.shipped, OrderParty.supplier),
    # The supplier's carrier reports delivery; the purchaser then accepts (or not).
    "deliver": (frozenset({OrderStatus.shipped}), OrderStatus.delivered, OrderParty.supplier),
    "accept": (frozenset({OrderStatus.delivered}), OrderStatus.accepted, OrderParty.purchaser),
    "cancel": (frozenset({OrderStatus.placed, OrderStatus.confirmed}), OrderStatus.cancelled,
               OrderParty.purchaser),
}


def _owner_column(party: str) -> Any:
    """The column naming the organization that is ``party``."""
    return (PurchaseOrder.supplier_id if party == OrderParty.supplier
            else PurchaseOrder.purchaser_organization_id)


def orders_query(user: User, party: str) -> Select[Any]:
    """The orders of the user's organization as ``party``, newest first."""
    return (select(PurchaseOrder).where(_owner_column(party) == user.organization_id)
            .order_by(PurchaseOrder.id.desc()))


def order_for(session: Session, user: User, order_id: int, party: str,
              lock: bool = False) -> PurchaseOrder:
    query = select(PurchaseOrder).where(PurchaseOrder.id == order_id,
                                        _owner_column(party) == user.organization_id)
    if lock:
        query = for_update(query)
    order = session.scalar(query)
    if order is None:
        raise NotFound(f"Order {order_id} does not exist.", code="order_not_found")
    return order


def transition(session: Session, user: User, order_id: int, action: str, party: str,
               reason: str | None = None, tracking_number: str | None = None) -> PurchaseOrder:
    """Move an order along its life cycle; anything else is a 409 illegal_transition.

    ``tracking_number`` is kept when shipping (and ignored for any other action).
    """
    if action not in TRANSITIONS:
        raise NotFound(f"Unknown order action {action!r}.", code="unknown_action")
    sources, target, allowed_party = TRANSITIONS[action]
    order = order_for(session, user, order_id, party, lock=True)
    if party != allowed_party:
        raise Forbidden(f"Only the {allowed_party} may {action} an order.",
                        code="wrong_party")
    if order.status not in sources:
        raise Conflict(f"An order that is {order.status} cannot be {target}.",
                       code="illegal_transition",
                       details={"status": order.status, "action": action,
                                "allowed_from": sorted(sources)})
    before = order.status
    voided = target in VOID_STATUSES
    if voided:
        release_stock(session, offer_quantities(order.lines), "stock_released")
    order.status = target
    order.status_reason = reason
    after: dict[str, Any] = {"status": target}
    if action == "ship" and tracking_number:
        order.tracking_number = after["tracking_number"] = tracking_number[:64]
    order.updated_at = utcnow()
    session.flush()
    _close_requisition_if_void(session, order.requisition_id)
    if voided:
        for hook in cancel_hooks():
            hook(session, order, user)
    record(session, action=f"order.{action}", target_type="order", target_id=order.id,
           actor=user, before={"status": before}, after=after, reason=reason)
    return order


def _close_requisition_if_void(session: Session, requisition_id: int) -> None:
    """When every order of a requisition is cancelled or rejected it no longer counts."""
    requisition = session.get(Requisition, requisition_id)
    if requisition is None or requisition.status != RequisitionStatus.ordered:
        return
    statuses = set(session.scalars(select(PurchaseOrder.status).where(
        PurchaseOrder.requisition_id == requisition_id)))
    if statuses and statuses <= VOID_STATUSES:
        requisition.status = RequisitionStatus.cancelled
