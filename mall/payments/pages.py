"""The purchaser's payment page: pay an order by purchase card (Stripe Elements) or invoice.

The card is entered in Stripe's own element (Stripe.js, or localstripe's stand-in for it in
development and tests); the browser turns it into a payment method id and posts only that
id with the form, so card numbers never reach the mall. The post goes through
``services.pay_order``, the same rules as ``POST /api/v1/orders/{id}/payments``: only the
purchasing organization's buyers and finance staff, never a cancelled or rejected order, at
most one live payment per order. Each rendering of the form carries a fresh idempotency key,
so a double submission charges once.

This is the one page whose Content-Security-Policy lets a script, frames and requests reach
beyond the mall, and only to Stripe (or the configured emulator).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.accounts.permissions import PURCHASER, page_guard
from mall.config import Config
from mall.db import db
from mall.errors import ApiError, BadRequest, NotFound
from mall.forms import refusal
from mall.http import load, no_store, widened_policy
from mall.i18n import gettext as _
from mall.i18n import lazy_gettext as _l
from mall.orders.models import OrderParty, PurchaseOrder
from mall.orders.services.purchase_orders import order_for
from mall.payments import services
from mall.payments.gateway import DEV_SECRET_KEY, current_gateway
from mall.payments.models import LIVE_STATUSES, Payment, PaymentStatus
from mall.payments.schemas import PaymentRequestSchema

pages = Blueprint("payments_pages", __name__)

# The key localstripe takes from the page (any pk_ works there; never valid on Stripe).
DEV_PUBLISHABLE_KEY = "pk_test_localstripe"
STRIPE_JS = "https://js.stripe.com/v3/"
KEY_PREFIX = "pay-page-"

# What the page says for each refusal the payment service gives, in the reader's language.
REFUSALS = {
    "already_paid": _l("This order already has a payment in progress or completed; "
                       "nothing was charged again."),
    "order_not_payable": _l("This order can no longer be paid (it was cancelled or "
                            "rejected); nothing was charged."),
    "card_declined": _l("The card was declined; nothing was charged. Pay with another "
                        "card or by invoice."),
    "invalid_payment_method": _l("The card could not be used; nothing was charged. Check "
                                 "the card details or pay with another card."),
    "payment_rejected": _l("The payment service refused the payment; nothing was charged."),
    "payment_gateway_unavailable": _l("The payment service is not available right now. "
                                      "Look at the order before trying again: the "
                                      "payment may still be completing."),
    "idempotency_conflict": _l("This payment form was already sent with other details. "
                               "Start again from the payment page."),
    "idempotency_in_progress": _l("This payment is still being processed; look at the "
                                  "order in a moment."),
}


def _refusal_text(code: str | None, fallback: str) -> str:
    found = REFUSALS.get(code or "")
    return str(found) if found is not None else fallback


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def card_settings(config: Config) -> dict[str, str] | None:
    """Where Stripe.js comes from, the publishable key, and the origins the page needs.

    None when no publishable key is known: the page then offers the invoice only.
    """
    key = config.stripe_publishable_key or (
        DEV_PUBLISHABLE_KEY if config.stripe_secret_key == DEV_SECRET_KEY else "")
    if not key:
        return None
    if config.stripe_api_base:  # the emulator serves its Stripe.js stand-in itself
        base = config.stripe_api_base.rstrip("/")
        origin = _origin(base)
        return {"publishable_key": key, "script": f"{base}/js.stripe.com/v3/",
                "script_origin": origin, "connect": origin, "frames": origin}
    return {"publishable_key": key, "script": STRIPE_JS, "script_origin": "https://js.stripe.com",
            "connect": "https://api.stripe.com",
            "frames": "https://js.stripe.com https://hooks.stripe.com"}


def card_policy(card: dict[str, str]) -> str:
    """The mall's CSP, with Stripe's script, requests and frames also allowed."""
    return widened_policy(script_src=card["script_origin"], connect_src=card["connect"],
                          frame_src=card["frames"])


def live_payment(session: Session, order_id: int) -> Payment | None:
    """The order's live payment (pending, paid, invoiced or settled), at most one."""
    return session.scalar(select(Payment).where(Payment.order_id == order_id,
                                                Payment.status.in_(LIVE_STATUSES)))


def payment_state(order: PurchaseOrder, user: Any) -> dict[str, Any]:
    """For the order page: its live payment (or the last failed one), and whether ``user``
    may pay it now."""
    session = db.session()
    payment = live_payment(session, order.id)
    last = payment or session.scalar(select(Payment).where(Payment.order_id == order.id)
                                     .order_by(Payment.id.desc()).limit(1))
    may_pay = (payment is None and order.status not in services.UNPAYABLE
               and getattr(user, "is_authenticated", False)
               and user.organization_id == order.purchaser_organization_id
               and user.has_role(*services.PAYERS))
    return {"payment": last, "live": payment is not None, "may_pay": bool(may_pay)}


@pages.app_template_global("order_payment")
def order_payment(order: PurchaseOrder, user: Any) -> dict[str, Any]:
    return payment_state(order, user)


def _render(user: User, order_id: int, status: int = 200) -> Any:
    session = db.session()
    order = order_for(session, user, order_id, OrderParty.purchaser)
    state = payment_state(order, user)
    card = card_settings(current_app.config["MALL"]) if state["may_pay"] else None
    history = session.scalars(select(Payment).where(Payment.order_id == order.id)
                              .order_by(Payment.id)).all()
    response = make_response(render_template(
        "payments/pay.html", o=order, state=state, card=card, history=history,
        idempotency_key=f"{KEY_PREFIX}{uuid.uuid4().hex}"), status)
    if card is not None:
        response.headers["Content-Security-Policy"] = card_policy(card)
    return response


@pages.get("/orders/<int:order_id>/pay")
@page_guard(*services.PAYERS, kinds=PURCHASER)
def pay_page(order_id: int, user: User) -> Any:
    """The order, its payments so far, and the card and invoice forms when it may be paid."""
    no_store()
    return _render(user, order_id)


@pages.post("/orders/<int:order_id>/pay")
@page_guard(*services.PAYERS, kinds=PURCHASER)
def pay(order_id: int, user: User) -> Any:
    """Pay by card (the payment method id the card element made) or by invoice."""
    no_store()
    session = db.session()
    here = url_for("payments_pages.pay_page", order_id=order_id)
    data: dict[str, Any] = {"method": request.form.get("method", "")}
    if data["method"] == "card":
        data["payment_method"] = request.form.get("payment_method", "").strip()
    key = request.form.get("idempotency_key", "").strip() or None
    try:
        if data["method"] == "card" and not data["payment_method"]:
            raise BadRequest("A card payment needs a payment_method (e.g. pm_…).",
                             code="card_details_missing")
        loaded = load(PaymentRequestSchema(), data)
        _status, body = services.pay_order(session, current_gateway(), user, order_id, loaded,
                                           key, request.path)
    except NotFound:
        session.rollback()
        raise  # another organization's order, or none: the same 404 page as its GET
    except ApiError as exc:
        session.rollback()
        if exc.code == "card_details_missing":
            flash(_("Enter the card details, then pay."), "error")
        elif exc.code == "validation_failed" and data["method"] == "card":
            flash(_refusal_text("invalid_payment_method", refusal(exc)), "error")
        elif exc.code == "validation_failed":
            flash(_("Choose how to pay: by card or by invoice."), "error")
        else:
            flash(_refusal_text(exc.code, refusal(exc)), "error")
        return redirect(here)
    if "error" in body:  # the card was refused: the failed attempt is kept, nothing charged
        error = body["error"]
        flash(_refusal_text(error.get("code"), refusal_text_of(error)), "error")
        return redirect(here)
    done: dict[str, str] = {PaymentStatus.succeeded: _("Order #%(id)s is paid.", id=order_id),
            PaymentStatus.invoiced: _("Order #%(id)s will be paid by invoice %(reference)s.",
                                      id=order_id, reference=body.get("reference") or ""),
            PaymentStatus.settled: _("Order #%(id)s is paid.", id=order_id)}
    message = done.get(str(body.get("status")), _(
        "The payment of order #%(id)s is being processed; the order shows when it is "
        "complete.", id=order_id))
    flash(str(message), "ok")
    return redirect(url_for("orders_pages.purchaser_order", order_id=order_id))


def refusal_text_of(error: dict[str, Any]) -> str:
    return str(error.get("message") or _("The card was declined."))
