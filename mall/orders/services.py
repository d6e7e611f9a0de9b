"""Carts, requisitions routed by the compliance engine, approvals and purchase orders."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, Role, User
from mall.audit.services import record
from mall.catalog.models import AgreementSupplier, Offer
from mall.catalog.services import offer_ceiling
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation
from mall.orders.compliance.engine import decide, fall_back_to_approval, with_result
from mall.orders.compliance.profiles import Profile, profile_for
from mall.orders.compliance.rules import (
    APPROVAL,
    BLOCKED,
    COMPETE,
    DIRECT,
    CategorySpend,
    EarlierRequisition,
    Facts,
    LineFacts,
    competitors_rule,
    eligibility_rule,
)
from mall.orders.models import (
    COUNTED_STATUSES,
    Approval,
    Cart,
    CartLine,
    ComplianceDecision,
    IdempotencyKey,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
)
from mall.outbox.services import enqueue

CENT = Decimal("0.01")


# --- cart ---------------------------------------------------------------------------------

def get_cart(session: Session, user: User) -> Cart:
    cart = session.scalar(select(Cart).where(Cart.user_id == user.id))
    if cart is None:
        cart = Cart(user_id=user.id, lines=[])
        session.add(cart)
        session.flush()
    return cart


def _find_line(cart: Cart, offer_id: int) -> CartLine | None:
    return next((li for li in cart.lines if li.offer_id == offer_id), None)


def _cart_line(cart: Cart, offer_id: int) -> CartLine:
    line = _find_line(cart, offer_id)
    if line is None:
        raise NotFound(f"Offer {offer_id} is not in the cart.", code="not_in_cart")
    return line


def add_to_cart(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    """Add ``quantity`` of an offer; adding the same offer again raises its quantity."""
    if session.get(Offer, offer_id) is None:
        raise NotFound(f"Offer {offer_id} does not exist.", code="offer_not_found")
    cart = get_cart(session, user)
    line = _find_line(cart, offer_id)
    if line is None:
        cart.lines.append(CartLine(offer_id=offer_id, quantity=quantity))
    else:
        line.quantity += quantity
    cart.updated_at = utcnow()
    session.flush()
    return cart


def set_cart_quantity(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    cart = get_cart(session, user)
    _cart_line(cart, offer_id).quantity = quantity
    session.flush()
    return cart


def remove_from_cart(session: Session, user: User, offer_id: int) -> Cart:
    cart = get_cart(session, user)
    cart.lines.remove(_cart_line(cart, offer_id))
    session.flush()
    return cart


def clear_cart(session: Session, user: User) -> Cart:
    cart = get_cart(session, user)
    cart.lines.clear()
    session.flush()
    return cart


def requisition_from_cart(session: Session, settings: Settings, user: User,
                          justification: str | None = None) -> Requisition:
    """Turn the user's cart into one requisition and empty the cart."""
    cart = get_cart(session, user)
    lines = [(li.offer_id, li.quantity) for li in cart.lines]
    if not lines:
        raise RuleViolation("The cart is empty.", code="cart_empty")
    requisition = create_requisition(session, settings, user, lines, justification)
    clear_cart(session, user)
    return requisition


# --- idempotency --------------------------------------------------------------------------

def request_hash(path: str, body: Any) -> str:
    canonical = json.dumps({"path": path, "body": body}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_idempotency_key(
    session: Session, user: User, key: str | None, digest: str
) -> tuple[IdempotencyKey | None, IdempotencyKey | None]:
    """(new row, earlier row) for this (user, key); the unique constraint, not a read, decides.

    A concurrent duplicate blocks on the unique index until the first commits, then finds its
    row. The same key with another request body is a 409.
    """
    if not key:
        return None, None
    if len(key) > 255:
        raise RuleViolation("Idempotency-Key must be at most 255 characters.",
                            code="invalid_idempotency_key")
    row = IdempotencyKey(user_id=user.id, key=key, request_hash=digest)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row, None
    except IntegrityError:
        existing = session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.key == key))
        if existing is None:  # pragma: no cover - the winner rolled back; let the client retry
            raise Conflict("A request with this Idempotency-Key is in progress; retry.",
                           code="idempotency_in_progress") from None
        if existing.request_hash != digest:
            raise Conflict("This Idempotency-Key was used with a different request body.",
                           code="idempotency_conflict") from None
        return None, existing


def idempotent(
    session: Session, user: User, key: str | None, digest: str,
    create: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run ``create`` once per (user, key) and store its response; the caller commits."""
    row, existing = claim_idempotency_key(session, user, key, digest)
    if existing is not None:
        return existing.response_status or 200, dict(existing.response_body or {})
    status, body = create()
    if row is not None:
        row.response_status, row.response_body = status, body
        session.flush()
    return status, body


# --- compliance facts ---------------------------------------------------------------------

def lock_key(organization_id: int, category_id: int) -> int:
    """A signed 64-bit advisory-lock key for one (purchaser organization, category) pair."""
    digest = hashlib.sha256(f"mall.cumulative:{organization_id}:{category_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_categories(session: Session, organization_id: int, category_ids: Iterable[int]) -> None:
    """Serialise cumulative checks per (organization, category) on PostgreSQL.

    Locks are taken in one sorted order so two multi-category requisitions cannot deadlock;
    they are held until commit, so a later check sees this requisition's lines.
    """
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite serialises writers on its own
    for key in sorted(lock_key(organization_id, c) for c in set(category_ids)):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def earlier_spend_query(organization_id: int, category_id: int, since: datetime,
                        exclude_requisition: int | None = None) -> Select[Any]:
    """Counted requisitions of the organization in the category since the window start.

    No upper bound: a concurrent requisition committed just before this one acquired the
    lock may carry a timestamp a moment later than this transaction's start. Served by the
    index (purchaser organization, category, created_at) on requisition_lines.
    """
    query = (
        select(RequisitionLine.requisition_id, func.sum(RequisitionLine.line_total),
               func.min(RequisitionLine.created_at))
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(RequisitionLine.purchaser_organization_id == organization_id,
               RequisitionLine.category_id == category_id,
               RequisitionLine.created_at >= since,
               Requisition.status.in_([s.value for s in COUNTED_STATUSES]))
        .group_by(RequisitionLine.requisition_id)
        .order_by(RequisitionLine.requisition_id)
    )
    if exclude_requisition is not None:
        query = query.where(RequisitionLine.requisition_id != exclude_requisition)
    return query


def earlier_spend(
    session: Session, organization_id: int, category_id: int, since: datetime,
    exclude_requisition: int | None = None,
) -> list[EarlierRequisition]:
    query = earlier_spend_query(organization_id, category_id, since, exclude_requisition)
    return [EarlierRequisition(rid, Decimal(amount).quantize(CENT),
                               at.isoformat() if hasattr(at, "isoformat") else str(at))
            for rid, amount, at in session.execute(query)]


def line_facts(session: Session, offer: Offer, quantity: int,
               unit_price: Decimal | None = None) -> LineFacts:
    awarded = session.get(AgreementSupplier, (offer.agreement_id, offer.supplier_id)) is not None
    agreement = offer.agreement
    return LineFacts(
        offer_id=offer.id, sku=offer.sku, category_id=offer.category_id, quantity=quantity,
        unit_price=offer.price if unit_price is None else unit_price, currency=offer.currency,
        offer_status=offer.status, offer_valid_until=offer.valid_until,
        supplier_status=offer.supplier.status, supplier_awarded=awarded,
        agreement_number=agreement.number, agreement_status=agreement.status,
        agreement_starts_on=agreement.starts_on, agreement_ends_on=agreement.ends_on,
        ceiling=offer_ceiling(session, offer), regions=tuple(offer.regions or ()),
        stock=offer.stock,
    )


def profile_of(organization: Organization, jurisdiction: str,
               sme_deduction: Decimal | None = None) -> Profile:
    profile = profile_for(organization.jurisdiction, jurisdiction)
    return profile.with_sme_deduction(sme_deduction) if sme_deduction is not None else profile


# --- requisitions -------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """What the services need from the deployment's configuration."""

    jurisdiction: str
    sme_deduction: Decimal | None = None


def merge_lines(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    quantities: dict[int, int] = defaultdict(int)
    for offer_id, quantity in lines:
        quantities[offer_id] += quantity
    return list(quantities.items())


def create_requisition(
    session: Session, settings: Settings, user: User, lines: list[tuple[int, int]],
    justification: str | None = None, now: datetime | None = None,
) -> Requisition:
    """Evaluate the rules under the (organization, category) locks and store the outcome."""
    org = user.organization
    merged = merge_lines(lines)
    offers = {o.id: o for o in session.scalars(
        select(Offer).where(Offer.id.in_([oid for oid, _ in merged])))}
    missing = [oid for oid, _ in merged if oid not in offers]
    if missing:
        raise RuleViolation("Some offers do not exist.", code="offer_not_found",
                            details={"offer_ids": missing})
    profile = profile_of(org, settings.jurisdiction, settings.sme_deduction)
    category_ids = sorted({offers[oid].category_id for oid, _ in merged})
    lock_categories(session, org.id, category_ids)
    # The clock is read after the lock, so lines are stamped in lock order.
    now = now or utcnow()

    facts_lines = tuple(line_facts(session, offers[oid], qty) for oid, qty in merged)
    own_by_category: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for line in facts_lines:
        own_by_category[line.category_id] += line.line_total
    since = profile.window_start(now)
    spends = tuple(
        CategorySpend(cid, offers_category_code(offers, cid), own_by_category[cid],
                      tuple(earlier_spend(session, org.id, cid, since)))
        for cid in category_ids)
    own_total = sum((li.line_total for li in facts_lines), Decimal("0"))
    facts = Facts(
        profile=profile, on=now.date(), currency=profile.currency,
        purchaser_region=org.region, own_total=own_total, lines=facts_lines,
        categories=spends, one_approver_above=org.approval_one_approver_above,
        collective_above=org.approval_collective_above,
        collective_approvers=org.approval_collective_approvers,
    )
    decision = decide(facts)
    invitees: list[int] = []
    if decision.route == COMPETE:
        invitees = eligible_competitors(session, [offers[oid] for oid, _ in merged])
        rule = competitors_rule(profile, invitees)
        if rule.outcome == APPROVAL:
            decision = fall_back_to_approval(decision, rule)
        else:
            decision = with_result(decision, rule)

    requisition = Requisition(
        purchaser_organization_id=org.id, requester_id=user.id, route=decision.route,
        status={DIRECT: RequisitionStatus.ordered, BLOCKED: RequisitionStatus.blocked}.get(
            decision.route, RequisitionStatus.pending),
        jurisdiction=profile.name, total=own_total.quantize(CENT),
        currency=facts_lines[0].currency, justification=justification,
        required_approvals=decision.required_approvals if decision.route == APPROVAL else 0,
        price_hold_until=now + timedelta(days=profile.price_hold_days), created_at=now,
        decided_at=now if decision.route in (DIRECT, BLOCKED) else None,
        lines=[RequisitionLine(
            purchaser_organization_id=org.id, category_id=offers[oid].category_id,
            offer_id=oid, supplier_id=offers[oid].supplier_id,
            agreement_id=offers[oid].agreement_id, lot_id=offers[oid].lot_id,
            title=offers[oid].title, sku=offers[oid].sku, quantity=qty,
            unit_price=offers[oid].price, currency=offers[oid].currency,
            line_total=(offers[oid].price * qty).quantize(CENT), created_at=now)
            for oid, qty in merged],
    )
    session.add(requisition)
    session.flush()
    session.add(ComplianceDecision(requisition_id=requisition.id, profile=profile.name,
                                   route=decision.route, rules=decision.rules_json(),
                                   evaluated_at=now))
    session.flush()
    competition_id = None
    if decision.route == COMPETE:
        from mall.orders.competitions import open_competition

        competition_id = open_competition(session, requisition, profile, invitees, now).id
    elif decision.route == DIRECT:
        place_orders(session, requisition, user)
    record(session, action="requisition.create", target_type="requisition",
           target_id=requisition.id, actor=user,
           after={"route": decision.route, "status": requisition.status,
                  "total": str(requisition.total), "currency": requisition.currency,
                  "competition_id": competition_id,
                  "rules": [{"rule": r.rule, "outcome": r.outcome, "inputs": r.inputs}
                            for r in decision.results]})
    session.refresh(requisition)
    return requisition


def offers_category_code(offers: dict[int, Offer], category_id: int) -> str:
    return next(o.category.code for o in offers.values() if o.category_id == category_id)


def eligible_competitors(session: Session, offers: list[Offer]) -> list[int]:
    """Active suppliers awarded under every agreement the requisition's lines come from."""
    agreement_ids = {o.agreement_id for o in offers}
    ids: set[int] | None = None
    for agreement_id in agreement_ids:
        awarded = set(session.scalars(
            select(AgreementSupplier.supplier_id)
            .join(Organization, Organization.id == AgreementSupplier.supplier_id)
            .where(AgreementSupplier.agreement_id == agreement_id,
                   Organization.status == "active")))
        ids = awarded if ids is None else ids & awarded
    return sorted(ids or ())


def latest_decision(requisition: Requisition) -> ComplianceDecision | None:
    return requisition.decisions[-1] if requisition.decisions else None


def requisitions_query(user: User) -> Select[Any]:
    """The user's organization's requisitions, newest first."""
    return (select(Requisition)
            .where(Requisition.purchaser_organization_id == user.organization_id)
            .order_by(Requisition.id.desc()))


def requisition_for(session: Session, user: User, requisition_id: int,
                    lock: bool = False) -> Requisition:
    query = select(Requisition).where(Requisition.id == requisition_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    requisition = session.scalar(query)
    if requisition is None or requisition.purchaser_organization_id != user.organization_id:
        raise NotFound(f"Requisition {requisition_id} does not exist.",
                       code="requisition_not_found")
    return requisition


# --- approvals ----------------------------------------------------------------------------

def _check_approver(user: User, requisition: Requisition) -> None:
    if not user.has_role(Role.approver):
        raise Forbidden("This needs the role approver.", code="role_required")
    if requisition.requester_id == user.id:
        raise Forbidden("Approvers cannot decide on their own requisitions.",
                        code="own_requisition")
    if requisition.status != RequisitionStatus.pending or requisition.route != APPROVAL:
        raise Conflict(f"Requisition {requisition.id} is not awaiting approval "
                       f"(status {requisition.status}, route {requisition.route}).",
                       code="not_awaiting_approval")
    if any(a.approver_id == user.id for a in requisition.approvals):
        raise Conflict("You have already decided on this requisition.",
                       code="already_decided")


def recheck_prices(session: Session, requisition: Requisition, now: datetime) -> None:
    """After the price hold, the current catalog must still allow the purchase as asked."""
    offers = {o.id: o for o in session.scalars(
        select(Offer).where(Offer.id.in_([li.offer_id for li in requisition.lines])))}
    org = session.get(Organization, requisition.purchaser_organization_id)
    assert org is not None
    lines = tuple(line_facts(session, offers[li.offer_id], li.quantity)
                  for li in requisition.lines)
    facts = Facts(profile=profile_for(requisition.jurisdiction, requisition.jurisdiction),
                  on=now.date(), currency=requisition.currency, purchaser_region=org.region,
                  own_total=requisition.total, lines=lines, categories=())
    problems = [r.as_dict() for r in eligibility_rule(facts) if r.outcome == BLOCKED]
    changed = [{"offer_id": li.offer_id, "sku": li.sku, "held_price": str(li.unit_price),
                "current_price": str(offers[li.offer_id].price)}
               for li in requisition.lines if offers[li.offer_id].price != li.unit_price]
    if problems or changed:
        raise RuleViolation(
            "The 7-day price hold has expired and the catalog no longer allows this purchase "
            "as requested; submit a new requisition.", code="price_hold_expired",
            details={"price_hold_until": requisition.price_hold_until.isoformat(),
                     "price_changes": changed, "ineligible": problems})


def approve(session: Session, user: User, requisition_id: int,
            now: datetime | None = None) -> Requisition:
    now = now or utcnow()
    requisition = requisition_for(session, user, requisition_id, lock=True)
    _check_approver(user, requisition)
    approvals = sum(1 for a in requisition.approvals if a.decision == "approve") + 1
    final = approvals >= max(1, requisition.required_approvals)
    hold = requisition.price_hold_until
    if final and hold.tzinfo is None:  # SQLite drops the offset; stored values are UTC
        hold = hold.replace(tzinfo=now.tzinfo)
    if final and now > hold:
        recheck_prices(session, requisition, now)
    requisition.approvals.append(Approval(approver_id=user.id, decision="approve",
                                          decided_at=now))
    session.flush()
    if final:
        place_orders(session, requisition, user)
        requisition.status = RequisitionStatus.ordered
        requisition.decided_at = now
    record(session, action="requisition.approve", target_type="requisition",
           target_id=requisition.id, actor=user,
           after={"approvals": approvals, "required": requisition.required_approvals,
                  "status": requisition.status})
    session.flush()
    return requisition


def reject(session: Session, user: User, requisition_id: int, reason: str,
           now: datetime | None = None) -> Requisition:
    now = now or utcnow()
    requisition = requisition_for(session, user, requisition_id, lock=True)
    _check_approver(user, requisition)
    requisition.approvals.append(Approval(approver_id=user.id, decision="reject",
                                          reason=reason, decided_at=now))
    requisition.status = RequisitionStatus.rejected
    requisition.decided_at = now
    record(session, action="requisition.reject", target_type="requisition",
           target_id=requisition.id, actor=user, before={"status": "pending"},
           after={"status": requisition.status}, reason=reason)
    session.flush()
    return requisition


def cancel_requisition(session: Session, user: User, requisition_id: int,
                       reason: str | None = None) -> Requisition:
    """A pending requisition can be withdrawn; it then stops counting towards thresholds."""
    requisition = requisition_for(session, user, requisition_id, lock=True)
    if requisition.status != RequisitionStatus.pending:
        raise Conflict(f"Only pending requisitions can be cancelled (status "
                       f"{requisition.status}).", code="illegal_transition")
    requisition.status = RequisitionStatus.cancelled
    from mall.orders.competitions import cancel_competition_of

    cancel_competition_of(session, requisition)
    record(session, action="requisition.cancel", target_type="requisition",
           target_id=requisition.id, actor=user, before={"status": "pending"},
           after={"status": "cancelled"}, reason=reason)
    session.flush()
    return requisition


# --- purchase orders ----------------------------------------------------------------------

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


def _locked_offers(session: Session, offer_ids: Iterable[int]) -> Sequence[Offer]:
    """Row locks taken in offer-id order, so two orders never deadlock on stock."""
    return session.scalars(select(Offer).where(Offer.id.in_(offer_ids))
                           .order_by(Offer.id).with_for_update(of=Offer, key_share=True)
                           .execution_options(populate_existing=True)).all()


def reserve_stock(session: Session, quantities: dict[int, int], reason: str) -> None:
    """Decrement stock under row locks; refused whole if any offer is short."""
    if not quantities:
        return
    offers = _locked_offers(session, quantities)
    short = [{"offer_id": o.id, "sku": o.sku, "stock": o.stock, "quantity": quantities[o.id]}
             for o in offers if o.stock < quantities[o.id]]
    if short:
        raise RuleViolation("Not enough stock to place the order.", code="insufficient_stock",
                            details={"lines": short})
    for offer in offers:
        offer.stock -= quantities[offer.id]
        offer.version += 1
    enqueue(session, "offer", [o.id for o in offers], reason)


def release_stock(session: Session, quantities: dict[int, int], reason: str) -> None:
    if not quantities:
        return
    offers = _locked_offers(session, quantities)
    for offer in offers:
        offer.stock += quantities[offer.id]
        offer.version += 1
    enqueue(session, "offer", [o.id for o in offers], reason)


def create_orders(session: Session, requisition: Requisition,
                  by_supplier: dict[int, list[PlannedLine]], actor: User,
                  competition_id: int | None = None) -> list[PurchaseOrder]:
    """One order per supplier with line snapshots; stock reserved in the same transaction."""
    reserve_stock(session, offer_quantities(pl for planned in by_supplier.values()
                                            for pl in planned), "stock_reserved")
    orders = []
    for supplier_id in sorted(by_supplier):
        lines = [OrderLine(
            requisition_line_id=pl.requisition_line_id, offer_id=pl.offer_id,
            category_id=pl.category_id, title=pl.title, sku=pl.sku, quantity=pl.quantity,
            unit_price=pl.unit_price, currency=pl.currency,
            line_total=(pl.unit_price * pl.quantity).quantize(CENT))
            for pl in by_supplier[supplier_id]]
        order = PurchaseOrder(
            requisition_id=requisition.id, competition_id=competition_id,
            purchaser_organization_id=requisition.purchaser_organization_id,
            supplier_id=supplier_id, status=OrderStatus.placed, lines=lines,
            total=sum((li.line_total for li in lines), Decimal("0")),
            currency=lines[0].currency)
        session.add(order)
        orders.append(order)
    session.flush()
    for order in orders:
        record(session, action="order.place", target_type="order", target_id=order.id,
               actor=actor, after=order_snapshot(order))
    return orders


def place_orders(session: Session, requisition: Requisition, actor: User) -> list[PurchaseOrder]:
    """Orders at the requisition's snapshot prices, one per supplier."""
    by_supplier: dict[int, list[PlannedLine]] = defaultdict(list)
    for line in requisition.lines:
        by_supplier[line.supplier_id].append(PlannedLine(
            line.id, line.offer_id, line.category_id, line.title, line.sku, line.quantity,
            line.unit_price, line.currency))
    return create_orders(session, requisition, by_supplier, actor)


def order_snapshot(order: PurchaseOrder) -> dict[str, Any]:
    return {"status": order.status, "supplier_id": order.supplier_id,
            "total": str(order.total), "currency": order.currency,
            "lines": [{"sku": li.sku, "title": li.title, "quantity": li.quantity,
                       "unit_price": str(li.unit_price)} for li in order.lines]}


# (action) -> (statuses it may start from, resulting status, party allowed to do it)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "confirm": (frozenset({OrderStatus.placed}), OrderStatus.confirmed, "supplier"),
    "reject": (frozenset({OrderStatus.placed}), OrderStatus.rejected, "supplier"),
    "ship": (frozenset({OrderStatus.confirmed}), OrderStatus.shipped, "supplier"),
    # The supplier's carrier reports delivery; the purchaser then accepts (or not).
    "deliver": (frozenset({OrderStatus.shipped}), OrderStatus.delivered, "supplier"),
    "accept": (frozenset({OrderStatus.delivered}), OrderStatus.accepted, "purchaser"),
    "cancel": (frozenset({OrderStatus.placed, OrderStatus.confirmed}), OrderStatus.cancelled,
               "purchaser"),
}


def _owner_column(party: str) -> Any:
    """The column naming the organization that is ``party`` ("supplier" or "purchaser")."""
    return (PurchaseOrder.supplier_id if party == "supplier"
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
        query = query.with_for_update().execution_options(populate_existing=True)
    order = session.scalar(query)
    if order is None:
        raise NotFound(f"Order {order_id} does not exist.", code="order_not_found")
    return order


def transition(session: Session, user: User, order_id: int, action: str, party: str,
               reason: str | None = None) -> PurchaseOrder:
    """Move an order along its life cycle; anything else is a 409 illegal_transition."""
    if action not in TRANSITIONS:
        raise NotFound(f"Unknown order action {action!r}.", code="unknown_action")
    sources, target, allowed_party = TRANSITIONS[action]
    order = order_for(session, user, order_id, party, lock=True)
    if party != allowed_party:
        raise Forbidden(f"Only the {allowed_party} may {action} an order.",
                        code="wrong_party")
    if order.status not in sources:
        raise Conflict(f"An order that is {order.status} cannot be {action}ed.",
                       code="illegal_transition",
                       details={"status": order.status, "action": action,
                                "allowed_from": sorted(sources)})
    before = order.status
    if target in (OrderStatus.cancelled, OrderStatus.rejected):
        release_stock(session, offer_quantities(order.lines), "stock_released")
    order.status = target
    order.status_reason = reason
    order.updated_at = utcnow()
    session.flush()
    _close_requisition_if_void(session, order.requisition_id)
    record(session, action=f"order.{action}", target_type="order", target_id=order.id,
           actor=user, before={"status": before}, after={"status": order.status},
           reason=reason)
    return order


def _close_requisition_if_void(session: Session, requisition_id: int) -> None:
    """When every order of a requisition is cancelled or rejected it no longer counts."""
    requisition = session.get(Requisition, requisition_id)
    if requisition is None or requisition.status != RequisitionStatus.ordered:
        return
    statuses = set(session.scalars(select(PurchaseOrder.status).where(
        PurchaseOrder.requisition_id == requisition_id)))
    if statuses and statuses <= {OrderStatus.cancelled, OrderStatus.rejected}:
        requisition.status = RequisitionStatus.cancelled
