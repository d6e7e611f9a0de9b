"""Paying purchase orders and refunding them.

The gateway is called outside any database transaction: the payment row is committed as
``pending`` first, so a crash after the charge leaves a record the webhook can complete,
and a retry re-sends the same gateway idempotency key instead of charging twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import OrganizationKind, Role, User
from mall.audit.services import record
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation, ServiceUnavailable
from mall.idempotency import IdempotencyKey, claim_idempotency_key, request_hash
from mall.money import money
from mall.orders.models import OrderStatus, PurchaseOrder
from mall.orders.services.purchase_orders import order_for
from mall.payments.gateway import GatewayUnavailable, PaymentDeclined, PaymentGateway
from mall.payments.models import (
    GatewayEvent,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from mall.payments.serializers import payment_json

PAYERS = (Role.buyer, Role.finance)
UNPAYABLE = (OrderStatus.cancelled, OrderStatus.rejected)


def _payer_order(session: Session, user: User, order_id: int) -> PurchaseOrder:
    order = order_for(session, user, order_id, "purchaser", lock=True)
    if order.status in UNPAYABLE:
        raise RuleViolation(f"A {order.status} order cannot be paid.", code="order_not_payable",
                            details={"status": order.status})
    return order


def pay_order(
    session: Session,
    gateway: PaymentGateway,
    user: User,
    order_id: int,
    data: dict[str, Any],
    idempotency_key: str | None,
    path: str,
) -> tuple[int, dict[str, Any]]:
    """Pay an order by card or invoice; returns (HTTP status, body). Commits."""
    digest = request_hash(path, data)
    claimed, existing = claim_idempotency_key(session, user.id, idempotency_key, digest)
    if existing is not None:
        if existing.response_status is not None:
            session.rollback()
            return existing.response_status, dict(existing.response_body or {})
        payment = session.get(Payment, (existing.response_body or {}).get("payment_id"))
        if payment is None:
            raise Conflict("A request with this Idempotency-Key is in progress; retry.",
                           code="idempotency_in_progress")
        return _charge(session, gateway, user, payment, data, existing)

    order = _payer_order(session, user, order_id)
    method = data["method"]
    payment = Payment(order_id=order.id, method=method, amount=order.total,
                      currency=order.currency, created_by_id=user.id,
                      status=(PaymentStatus.pending if method == PaymentMethod.card
                              else PaymentStatus.invoiced))
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        raise Conflict("This order already has a payment in progress or completed.",
                       code="already_paid", details={"order_id": order.id}) from None
    if method == PaymentMethod.invoice:
        payment.reference = f"INV-{order.id:06d}-{payment.id:06d}"
    record(session, action=f"payment.{method}.start", target_type="order", target_id=order.id,
           actor=user, after={"payment_id": payment.id, "amount": payment.amount,
                              "currency": payment.currency, "status": payment.status})
    if claimed is not None:
        claimed.response_body = {"payment_id": payment.id}
    if method == PaymentMethod.invoice:
        body = payment_json(payment)
        if claimed is not None:
            claimed.response_status, claimed.response_body = 201, body
        session.commit()
        return 201, body
    session.commit()  # the pending row exists before any money moves
    return _charge(session, gateway, user, payment, data, claimed)


def _charge(session: Session, gateway: PaymentGateway, user: User, payment: Payment,
            data: dict[str, Any], key_row: IdempotencyKey | None) -> tuple[int, dict[str, Any]]:
    if payment.status != PaymentStatus.pending:
        return 200, payment_json(payment)
    try:
        result = gateway.charge(payment.amount, payment.currency, data["payment_method"],
                                idempotency_key=f"mall-payment-{payment.id}",
                                metadata={"payment_id": str(payment.id),
                                          "order_id": str(payment.order_id)})
    except PaymentDeclined as exc:
        payment = session.get(Payment, payment.id, with_for_update=True) or payment
        payment.status, payment.failure_message = PaymentStatus.failed, str(exc)
        status, body = 422, {"error": {"code": "card_declined", "message": str(exc),
                                       "details": {"payment": payment_json(payment)}}}
    except GatewayUnavailable as exc:
        session.rollback()
        raise ServiceUnavailable(
            "The payment service did not answer; the payment is pending. Retry with the "
            "same Idempotency-Key, or wait for its confirmation.",
            code="payment_gateway_unavailable",
            details={"payment_id": payment.id, "reason": str(exc)[:200]}) from exc
    else:
        payment = session.get(Payment, payment.id, with_for_update=True) or payment
        payment.reference = result.reference
        if result.status == "succeeded":
            payment.status = PaymentStatus.succeeded
        elif result.status == "failed":
            payment.status, payment.failure_message = PaymentStatus.failed, result.failure_message
        status = 201 if payment.status == PaymentStatus.succeeded else 202
        body = payment_json(payment)
        if payment.status == PaymentStatus.failed:
            status = 422
            body = {"error": {"code": "card_declined",
                              "message": payment.failure_message or "The card was declined.",
                              "details": {"payment": body}}}
    record(session, action=f"payment.card.{payment.status}", target_type="order",
           target_id=payment.order_id, actor=user,
           after={"payment_id": payment.id, "status": payment.status,
                  "reference": payment.reference})
    if key_row is not None:
        key_row = session.merge(key_row)
        key_row.response_status, key_row.response_body = status, body
    session.commit()
    return status, body


def settle_invoice(session: Session, user: User, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id, with_for_update=True)
    order = session.get(PurchaseOrder, payment.order_id) if payment else None
    if payment is None or order is None or order.purchaser_organization_id != user.organization_id:
        raise NotFound(f"Payment {payment_id} does not exist.", code="payment_not_found")
    if payment.method != PaymentMethod.invoice or payment.status != PaymentStatus.invoiced:
        raise Conflict("Only an open invoice can be settled.", code="illegal_transition",
                       details={"status": payment.status, "method": payment.method})
    payment.status = PaymentStatus.settled
    record(session, action="payment.invoice.settled", target_type="order", target_id=order.id,
           actor=user, after={"payment_id": payment.id, "status": payment.status})
    return payment


def _refundable(session: Session, user: User, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id, with_for_update=True)
    order = session.get(PurchaseOrder, payment.order_id) if payment else None
    if payment is None or order is None:
        raise NotFound(f"Payment {payment_id} does not exist.", code="payment_not_found")
    kind = user.organization.kind
    if not ((kind == OrganizationKind.supplier and order.supplier_id == user.organization_id)
            or kind == OrganizationKind.center):
        raise NotFound(f"Payment {payment_id} does not exist.", code="payment_not_found")
    if payment.method != PaymentMethod.card or payment.status != PaymentStatus.succeeded:
        raise Conflict("Only a succeeded card payment can be refunded.",
                       code="not_refundable", details={"status": payment.status})
    return payment


def refund_payment(
    session: Session, gateway: PaymentGateway, user: User, payment_id: int, amount: Decimal,
    reason: str,
) -> Refund:
    """Refund part or all of a card payment; over-refunds are refused here and by the DB.

    The amount is reserved (committed) before the gateway is called, so two concurrent
    refunds can never together exceed the payment.
    """
    if user.organization.kind == OrganizationKind.center and not user.has_role(Role.center_admin):
        raise Forbidden("This needs the role center_admin.", code="role_required")
    payment = _refundable(session, user, payment_id)
    remaining = payment.amount - payment.refunded_amount
    if amount > remaining:
        raise RuleViolation(
            f"At most {remaining:.2f} {payment.currency} can still be refunded.",
            code="refund_exceeds_payment",
            details={"refundable": money(remaining, payment.currency)})
    refund = Refund(payment_id=payment.id, amount=amount, reason=reason,
                    created_by_id=user.id)
    payment.refunded_amount = payment.refunded_amount + amount
    session.add(refund)
    session.flush()
    session.commit()
    try:
        result = gateway.refund(payment.reference or "", amount, payment.currency,
                                idempotency_key=f"mall-refund-{refund.id}")
    except GatewayUnavailable as exc:
        refund = session.get_one(Refund, refund.id)
        payment = session.get_one(Payment, payment.id, with_for_update=True)
        refund.status = "failed"
        payment.refunded_amount = payment.refunded_amount - amount
        session.commit()
        raise ServiceUnavailable("The payment service did not answer; nothing was refunded.",
                                 code="payment_gateway_unavailable") from exc
    refund = session.get_one(Refund, refund.id)
    refund.reference = result.reference
    refund.status = "succeeded" if result.status == "succeeded" else "pending"
    record(session, action="payment.refund", target_type="order", target_id=payment.order_id,
           actor=user, after={"payment_id": payment.id, "refund_id": refund.id,
                              "amount": amount, "status": refund.status}, reason=reason)
    session.commit()
    return refund


def apply_gateway_event(session: Session, event: dict[str, Any]) -> str:
    """Apply a verified webhook event once; redeliveries are recognised by the event id."""
    try:
        with session.begin_nested():
            session.add(GatewayEvent(id=event["id"], type=event.get("type", ""),
                                     payload=event))
            session.flush()
    except IntegrityError:
        return "duplicate"
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    outcome = "ignored"
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        payment = session.scalar(select(Payment).where(Payment.reference == obj.get("id"))
                                 .with_for_update())
        if payment is None:
            payment_id = (obj.get("metadata") or {}).get("payment_id")
            payment = session.get(Payment, int(payment_id)) if payment_id else None
        if payment is not None and payment.status == PaymentStatus.pending:
            payment.reference = obj.get("id")
            payment.status = (PaymentStatus.succeeded if kind.endswith("succeeded")
                              else PaymentStatus.failed)
            record(session, action=f"payment.card.{payment.status}", target_type="order",
                   target_id=payment.order_id, actor=None,
                   after={"payment_id": payment.id, "event": event["id"]},
                   reason="gateway webhook")
            outcome = "applied"
    session.commit()
    return outcome
