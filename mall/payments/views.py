"""Payments API: pay an order by card or invoice, refunds, and the Stripe webhook."""

from __future__ import annotations

from typing import Any

import stripe
from flask import Blueprint, jsonify, request
from sqlalchemy import select

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, SUPPLIER, api_guard, public
from mall.apidoc import documented, page_of
from mall.db import db
from mall.errors import BadRequest
from mall.http import WEBHOOK_BODY_LIMIT, accepts_body, json_body, load, paginate
from mall.orders.services.purchase_orders import order_for
from mall.payments import services
from mall.payments.gateway import current_gateway
from mall.payments.models import Payment
from mall.payments.schemas import (
    PaymentRequestSchema,
    PaymentSchema,
    RefundRequestSchema,
    StripeEventSchema,
    WebhookOutcomeSchema,
)
from mall.payments.serializers import payment_json

api = Blueprint("payments_api", __name__, url_prefix="/api/v1")


@api.post("/orders/<int:order_id>/payments")
@documented(body=PaymentRequestSchema, idempotent=True, errors=[422, 503],
            responses={200: PaymentSchema, 201: PaymentSchema, 202: PaymentSchema},
            examples={"request": {"method": "card", "payment_method": "pm_card_visa"}})
@api_guard(*services.PAYERS, kinds=PURCHASER)
def pay(order_id: int, user: User) -> Any:
    """Pay an order by purchase card (Stripe) or by invoice; accepts Idempotency-Key."""
    raw = json_body()
    data = load(PaymentRequestSchema(), raw)
    status, body = services.pay_order(db.session(), current_gateway(), user, order_id, data,
                                      request.headers.get("Idempotency-Key"), request.path)
    return jsonify(body), status


@api.get("/orders/<int:order_id>/payments")
@documented(responses={200: page_of(PaymentSchema)}, paginated=True)
@api_guard(Role.buyer, Role.approver, Role.finance, Role.auditor, kinds=PURCHASER)
def list_payments(order_id: int, user: User) -> Any:
    """The payments of one of the organization's orders."""
    session = db.session()
    order_for(session, user, order_id, "purchaser")
    query = select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)
    return paginate(session, query, payment_json)


@api.post("/payments/<int:payment_id>/settle")
@documented(responses={200: PaymentSchema}, errors=[409, 422])
@api_guard(Role.finance, kinds=PURCHASER)
def settle(payment_id: int, user: User) -> Any:
    """Record that an invoice was paid."""
    session = db.session()
    payment = services.settle_invoice(session, user, payment_id)
    session.commit()
    return payment_json(payment)


@api.post("/payments/<int:payment_id>/refunds")
@documented(body=RefundRequestSchema, responses={201: PaymentSchema}, errors=[409, 422, 503])
@api_guard(Role.supplier_admin, Role.center_admin, kinds=SUPPLIER + CENTER)
def refund(payment_id: int, user: User) -> Any:
    """Refund part or all of a card payment (the order's supplier or the center)."""
    data = load(RefundRequestSchema(), json_body())
    session = db.session()
    created = services.refund_payment(session, current_gateway(), user, payment_id,
                                      data["amount"], data["reason"])
    payment = session.get_one(Payment, created.payment_id)
    return payment_json(payment), 201


@api.post("/webhooks/stripe")
@documented(body=StripeEventSchema,
            responses={200: WebhookOutcomeSchema}, errors=[413])
@accepts_body(WEBHOOK_BODY_LIMIT)
@public
def stripe_webhook() -> Any:
    """Stripe events, verified by their Stripe-Signature; the answer says what was done.

    ``outcome`` is ``applied``, ``duplicate`` (seen before) or ``ignored`` with a ``reason``
    (an event about no payment of ours, or not matching it, is kept and answered 200 so the
    gateway does not resend it).
    """
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event = current_gateway().parse_webhook(request.get_data(), signature)
    except stripe.SignatureVerificationError as exc:
        raise BadRequest("The Stripe-Signature does not verify.",
                         code="invalid_signature") from exc
    except ValueError as exc:  # signed, but not an event (not a JSON object)
        raise BadRequest("The webhook body is not a Stripe event.", code="invalid_event") from exc
    outcome = services.apply_gateway_event(db.session(), event)
    return {"received": True, **outcome}
