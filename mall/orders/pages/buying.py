"""Buying pages: cart, requisitions with their compliance decision, approvals, orders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mall import idempotency
from mall.accounts.addresses import addresses_query
from mall.accounts.models import Organization, Role, User
from mall.accounts.permissions import (
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    SUPPLIER,
    page_guard,
)
from mall.db import db
from mall.errors import ApiError
from mall.forms import refusal, run_action
from mall.i18n import current_language, in_language
from mall.i18n import gettext as _
from mall.labels import label
from mall.orders.compliance.outcomes import Route
from mall.orders.models import (
    TRACKING_NUMBER_MAX,
    ApprovalDecision,
    OrderParty,
    Requisition,
    RequisitionStatus,
)
from mall.orders.pages.blueprint import pages
from mall.orders.pages.order_detail import actions_for
from mall.orders.serializers import requisition_json
from mall.orders.services import approvals, carts, history, purchase_orders
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import (
    requisition_for,
    requisitions_query,
    visible_offers,
)
from mall.text import single_line
from mall.timezones import reader_zone


def _quantity(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 <= value <= 1_000_000 else None


@pages.post("/cart/add")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_add(user: User) -> Any:
    offer_id, quantity = _quantity(request.form.get("offer_id")), _quantity(
        request.form.get("quantity"))
    if not offer_id or not quantity:
        flash(_("Enter a quantity of at least 1."), "error")
        return redirect(request.referrer or url_for("orders_pages.cart"))
    session = db.session()
    try:
        carts.add_to_cart(session, user, offer_id, quantity)
    except ApiError as exc:
        session.rollback()
        flash(_cart_refusal(exc), "error")
        return redirect(request.referrer or url_for("orders_pages.cart"))
    session.commit()
    flash(_("Added to the cart."), "ok")
    return redirect(url_for("orders_pages.cart"))


def _cart_refusal(exc: ApiError) -> str:
    """A stock refusal says how many there are; anything else as the service says it."""
    details = exc.details or {}
    if exc.code == "insufficient_stock" and "stock" in details:
        if not details["stock"]:
            return str(_("This offer is out of stock; it cannot go in the cart."))
        return str(_("Only %(stock)s in stock: the cart cannot hold %(quantity)s.",
                     stock=details["stock"], quantity=details["quantity"]))
    return refusal(exc)


@pages.get("/cart")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart(user: User) -> Any:
    session = db.session()
    cart = carts.get_cart(session, user)
    session.commit()
    # Only what the purchaser may still buy is shown with its title and price; a line whose
    # offer was withdrawn meanwhile says so and can only be removed.
    offers = visible_offers(session, user.organization, [li.offer_id for li in cart.lines],
                            date.today())
    lines = [(li, offers[li.offer_id]) for li in cart.lines if li.offer_id in offers]
    unavailable = [li for li in cart.lines if li.offer_id not in offers]
    totals: dict[str, Decimal] = {}
    for line, offer in lines:
        totals[offer.currency] = totals.get(offer.currency, Decimal("0")) + \
            offer.price * line.quantity
    # A fresh key per rendering: submitting the form twice creates one requisition.
    # The delivery address book, the default first (and preselected).
    book = session.scalars(addresses_query(user.organization_id)).all()
    return render_template("orders/cart.html", lines=lines, totals=totals,
                           unavailable=unavailable, submit_key=uuid.uuid4().hex,
                           zone=reader_zone().key, addresses=book)


@pages.post("/cart/lines/<int:offer_id>")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_update(offer_id: int, user: User) -> Any:
    quantity = _quantity(request.form.get("quantity"))
    try:
        if quantity == 0 or request.form.get("remove"):
            carts.remove_from_cart(db.session(), user, offer_id)
        elif quantity is None:
            flash(_("Enter a whole number."), "error")
            return redirect(url_for("orders_pages.cart"))
        else:
            carts.set_cart_quantity(db.session(), user, offer_id, quantity)
    except ApiError as exc:
        db.session.rollback()
        flash(_cart_refusal(exc), "error")
        return redirect(url_for("orders_pages.cart"))
    db.session.commit()
    return redirect(url_for("orders_pages.cart"))


@pages.post("/cart/submit")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_submit(user: User) -> Any:
    session = db.session()
    justification = (request.form.get("justification") or "").strip()[:2000] or None
    requirement = (request.form.get("requirement_text") or "").strip()[:20_000] or None
    key = (request.form.get("submit_key") or "")[:64] or None
    deadline = _local_datetime(request.form.get("competition_deadline"))
    if deadline is False:
        flash(_("Enter the deadline as a date and time."), "error")
        return redirect(url_for("orders_pages.cart"))
    address_id = _quantity(request.form.get("delivery_address_id"))
    if request.form.get("delivery_address_id") and not address_id:
        flash(_("Choose a delivery address from the list."), "error")
        return redirect(url_for("orders_pages.cart"))

    def create() -> tuple[int, dict[str, Any]]:
        from mall.standards.services import refuse_blocked_requirement
        refuse_blocked_requirement(session, requirement)
        requisition = carts.requisition_from_cart(
            session, Settings.from_app_config(current_app.config), user, justification,
            requirement_text=requirement, sme_reserved=bool(request.form.get("sme_reserved")),
            competition_deadline=deadline or None, delivery_address_id=address_id or None)
        return 201, {"id": requisition.id}

    try:
        _status, body = idempotency.idempotent(
            session, user.id, key and f"page:{key}",
            idempotency.request_hash("/cart/submit", {"key": key}), create)
    except ApiError as exc:
        session.rollback()
        findings = (exc.details or {}).get("findings") or []
        flash(refusal(exc) if not findings else _("The requirement needs rewriting."),
              "error")
        for finding in findings:
            flash(in_language(finding, "message"), "error")
        return redirect(url_for("orders_pages.cart"))
    session.commit()
    return redirect(url_for("orders_pages.requisition", requisition_id=body["id"]))


def _local_datetime(raw: str | None) -> datetime | Literal[False] | None:
    """A ``datetime-local`` form value read in the user's zone; None if empty, False if bad."""
    if not raw or not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return False
    return moment if moment.tzinfo else moment.replace(tzinfo=reader_zone())


@pages.get("/requisitions")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def requisitions(user: User) -> Any:
    rows = db.session.scalars(requisitions_query(user).limit(50)).all()
    return render_template("orders/requisitions.html", requisitions=rows)


@pages.get("/requisitions/<int:requisition_id>")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def requisition(requisition_id: int, user: User) -> Any:
    session = db.session()
    found = requisition_for(session, user, requisition_id)
    body = requisition_json(found, current_language())
    mine = next((a for a in found.approvals if a.approver_id == user.id), None)
    may_decide = (user.has_role(Role.approver) and found.requester_id != user.id
                  and found.route == Route.approval
                  and found.status == RequisitionStatus.pending and mine is None)
    # Who decided and why: the approvals with their names, and the withdrawal's reason.
    cancels = history.events_of(session, "requisition", found.id, "requisition.cancel")
    names = history.user_names(session, [a.approver_id for a in found.approvals]
                               + [e.actor_user_id for e in cancels])
    may_copy = (found.requester_id == user.id and user.has_role(*PURCHASING_ROLES)
                and found.status in (RequisitionStatus.blocked, RequisitionStatus.rejected,
                                     RequisitionStatus.cancelled))
    return render_template(
        "orders/requisition.html", r=body, may_decide=may_decide,
        competition=found.competition, names=names, mine=mine, approval_rows=found.approvals,
        approved=sum(1 for a in found.approvals if a.decision == ApprovalDecision.approve),
        required=max(1, found.required_approvals),
        cancel_event=cancels[-1] if cancels else None, may_copy=may_copy)


@pages.post("/requisitions/<int:requisition_id>/to-cart")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def requisition_to_cart(requisition_id: int, user: User) -> Any:
    """A blocked, rejected or cancelled requisition's lines back in the cart, to fix and
    submit again."""
    session = db.session()
    found = requisition_for(session, user, requisition_id)
    if found.requester_id != user.id:
        flash(_("Only the requester can copy a requisition back to the cart."), "error")
        return redirect(url_for("orders_pages.requisition", requisition_id=requisition_id))
    changed = carts.copy_to_cart(session, user, found)
    session.commit()
    flash(_("The lines of requisition #%(id)s are back in the cart.", id=requisition_id), "ok")
    if changed:
        flash(_("Not available in full and left out or reduced to the stock: %(skus)s.",
                skus=", ".join(changed)), "error")
    return redirect(url_for("orders_pages.cart"))


@pages.post("/requisitions/<int:requisition_id>/<any(approve, reject):decision>")
@page_guard(Role.approver, kinds=PURCHASER)
def decide(requisition_id: int, decision: str, user: User) -> Any:
    session = db.session()
    try:
        if decision == "approve":
            decided = approvals.approve(session, user, requisition_id)
        else:
            reason = (request.form.get("reason") or "").strip()[:2000]
            if not reason:
                flash(_("Give a reason for the rejection."), "error")
                return redirect(url_for("orders_pages.requisition",
                                        requisition_id=requisition_id))
            decided = approvals.reject(session, user, requisition_id, reason)
    except ApiError as exc:
        session.rollback()
        flash(refusal(exc), "error")
    else:
        session.commit()
        flash(_approval_done(decided) if decision == "approve"
              else _("Requisition #%(id)s rejected.", id=requisition_id), "ok")
    return redirect(url_for("orders_pages.requisition", requisition_id=requisition_id))


def _approval_done(requisition: Requisition) -> str:
    """The confirmation after approving: orders placed, or how many approvals are still due."""
    if requisition.status == RequisitionStatus.ordered:
        return str(_("You approved requisition #%(id)s; its orders are placed.",
                     id=requisition.id))
    approved = sum(1 for a in requisition.approvals if a.decision == ApprovalDecision.approve)
    return str(_("You approved requisition #%(id)s: %(approved)s of %(required)s approvals.",
                 id=requisition.id, approved=approved,
                 required=max(1, requisition.required_approvals)))


# --- purchase orders, for both parties ----------------------------------------------------

def _orders_page(user: User, party: str) -> Any:
    rows = db.session.scalars(purchase_orders.orders_query(user, party).limit(50)).all()
    return render_template("orders/orders.html", orders=rows, party=party,
                           actions={o.id: actions_for(o, party) for o in rows},
                           suppliers=_names_of(o.supplier_id for o in rows))


def _names_of(organization_ids: Any) -> dict[int, str]:
    ids = sorted(set(organization_ids))
    if not ids:
        return {}
    return {o.id: o.name for o in db.session.scalars(
        select(Organization).where(Organization.id.in_(ids)))}


def _transition(user: User, order_id: int, action: str, party: str) -> Any:
    session = db.session()
    if action == "cancel" and not request.form.get("confirm"):
        # Cancelling cannot be undone: it is done from the confirmation page, box ticked.
        flash(_("Tick the box to confirm the cancellation."), "error")
        return redirect(url_for("orders_pages.confirm_cancel", order_id=order_id))
    reason = (request.form.get("reason") or "").strip()[:2000] or None
    tracking = single_line(request.form.get("tracking_number") or "")[:TRACKING_NUMBER_MAX] or None
    run_action(session, lambda: purchase_orders.transition(session, user, order_id, action,
                                                           party, reason, tracking),
               _("Order #%(id)s: %(action)s done.", id=order_id,
                 action=label(action, "order_action")))
    # Back where the action was taken: the order's own page, else the list of orders.
    prefix = "orders_pages.supplier_order" if party == OrderParty.supplier \
        else "orders_pages.purchaser_order"
    detail = url_for(prefix, order_id=order_id)
    came_from = (request.referrer or "").split("?")[0]
    return redirect(detail if came_from.endswith(detail) else url_for(f"{prefix}s"))


@pages.get("/orders")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def purchaser_orders(user: User) -> Any:
    return _orders_page(user, OrderParty.purchaser)


@pages.post("/orders/<int:order_id>/<any(accept, cancel):action>")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def purchaser_order_action(order_id: int, action: str, user: User) -> Any:
    return _transition(user, order_id, action, OrderParty.purchaser)


@pages.get("/supplier/orders")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_orders(user: User) -> Any:
    return _orders_page(user, OrderParty.supplier)


@pages.post("/supplier/orders/<int:order_id>/<any(confirm, ship, deliver, reject):action>")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_action(order_id: int, action: str, user: User) -> Any:
    return _transition(user, order_id, action, OrderParty.supplier)
