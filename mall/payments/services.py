"""Paying purchase orders and refunding them.

The gateway is called outside any database transaction. The payment row is committed as
``pending`` first; the charge is then created (no money moves), its reference committed on
the payment, and only then confirmed. So a crash after the charge leaves a payment the
webhook can find by its reference, and a retry resumes that charge (confirming it only if
nobody did) instead of charging twice.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import OrganizationKind, Role, User
from mall.audit.services import record
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation, ServiceUnavailable
from mall.idempotency import IdempotencyKey, claim_idempotency_key, request_hash
from mall.locks import for_update
from mall.money import money, to_minor_units
from mall.orders.models import OrderStatus, PurchaseOrder
from mall.orders.services.purchase_orders import order_for
from mall.payments.gateway import (
    ChargeResult,
    GatewayRefused,
    GatewayUnavailable,
    PaymentGateway,
    PaymentRefused,
)
from mall.payments.models import (
    GatewayEvent,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
)
from mall.payments.serializers import payment_json

log = logging.getLogger(__name__)

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


def locked_payment(session: Session, payment_id: int) -> Payment:
    query = select(Payment).where(Payment.id == payment_id)
    query = for_update(query)
    return session.scalars(query).one()


def _store_reference(session: Session, payment_id: int, reference: str) -> str | None:
    """Keep the new charge's reference on the payment and commit, before any money moves.

    Returns the reference to go on with: this one, or one a concurrent attempt stored first
    (this one then stays unconfirmed and never takes money); None when the payment is no
    longer pending.
    """
    payment = locked_payment(session, payment_id)
    if payment.status != PaymentStatus.pending:
        session.commit()
        return None
    if payment.reference is None:
        payment.reference = reference
    kept = payment.reference
    session.commit()
    return kept


def _resume(gateway: PaymentGateway, reference: str, confirm_key: str) -> ChargeResult:
    """Go on with a charge an earlier attempt created: confirm it only if nobody did.

    The earlier attempt may have confirmed it, so a gateway refusing the app (credentials)
    does not show that nothing was charged: the payment must stay pending, as in an outage.
    """
    try:
        result = gateway.charge_status(reference)
        if result.status == "requires_confirmation":
            result = gateway.confirm_charge(reference, confirm_key)
    except GatewayRefused as exc:
        raise GatewayUnavailable(str(exc)) from exc
    return result


def _charge(session: Session, gateway: PaymentGateway, user: User, payment: Payment,
            data: dict[str, Any], key_row: IdempotencyKey | None) -> tuple[int, dict[str, Any]]:
    """Charge a pending card payment, or go on with the charge an earlier attempt began.

    Refused by the payer's side (declined, unknown payment method) → ``failed``, 422. The
    gateway refusing the app itself → ``failed``, 503, and the Idempotency-Key is released
    so the same request may be sent again. No answer → still ``pending``, 503; a retry with
    the same Idempotency-Key resumes the same charge, or the webhook completes it.
    """
    if payment.status != PaymentStatus.pending:
        return 200, payment_json(payment)
    payment_id, key = payment.id, f"mall-payment-{payment.id}"
    failure_code = "card_declined"
    try:
        reference = payment.reference
        if reference is None:
            created = gateway.create_charge(
                payment.amount, payment.currency, data["payment_method"], idempotency_key=key,
                metadata={"payment_id": str(payment.id), "order_id": str(payment.order_id)})
            reference = _store_reference(session, payment_id, created)
            if reference is None:
                return 200, payment_json(session.get_one(Payment, payment_id))
            result = (gateway.confirm_charge(reference, f"{key}-confirm")
                      if reference == created else _resume(gateway, reference, f"{key}-confirm"))
        else:
            result = _resume(gateway, reference, f"{key}-confirm")
    except PaymentRefused as exc:
        failure_code = exc.code
        result = ChargeResult(reference="", status="failed", failure_message=str(exc))
    except GatewayRefused as exc:
        payment = locked_payment(session, payment_id)
        if payment.status == PaymentStatus.pending:
            payment.status = PaymentStatus.failed
            payment.failure_message = ("The payment service refused the request; nothing "
                                       "was charged.")
            _record_card_outcome(session, user, payment)
        payment_status = payment.status
        if key_row is not None:  # nothing was charged: the same request may be sent again
            session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == key_row.id))
        session.commit()
        raise ServiceUnavailable(
            "The payment service refused the request; nothing was charged. Try again later.",
            code="payment_gateway_unavailable",
            details={"payment_id": payment_id, "payment_status": payment_status,
                     "reason": str(exc)[:200]}) from exc
    except GatewayUnavailable as exc:
        session.rollback()
        raise ServiceUnavailable(
            "The payment service did not answer; the payment is pending. Retry with the "
            "same Idempotency-Key, or wait for its confirmation.",
            code="payment_gateway_unavailable",
            details={"payment_id": payment_id, "payment_status": PaymentStatus.pending,
                     "reason": str(exc)[:200]}) from exc

    payment = locked_payment(session, payment_id)
    if payment.status == PaymentStatus.pending:  # a webhook may have decided it meanwhile
        if result.status == "succeeded":
            payment.status = PaymentStatus.succeeded
        elif result.status == "failed":
            payment.status, payment.failure_message = PaymentStatus.failed, result.failure_message
        _record_card_outcome(session, user, payment)
    status = {PaymentStatus.succeeded: 201, PaymentStatus.failed: 422}.get(
        PaymentStatus(payment.status), 202)
    body = payment_json(payment)
    if payment.status == PaymentStatus.failed:
        body = {"error": {"code": failure_code,
                          "message": payment.failure_message or "The card was declined.",
                          "details": {"payment": body}}}
    if key_row is not None:
        key_row = session.merge(key_row)
        key_row.response_status, key_row.response_body = status, body
    session.commit()
    return status, body


def _record_card_outcome(session: Session, user: User, payment: Payment) -> None:
    record(session, action=f"payment.card.{payment.status}", target_type="order",
           target_id=payment.order_id, actor=user,
           after={"payment_id": payment.id, "status": payment.status,
                  "reference": payment.reference})


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
    except (PaymentRefused, GatewayRefused, GatewayUnavailable) as exc:
        refund = session.get_one(Refund, refund.id)
        payment = locked_payment(session, payment.id)
        refund.status = "failed"
        payment.refunded_amount = payment.refunded_amount - amount
        session.commit()
        if isinstance(exc, PaymentRefused):
            raise RuleViolation(
                f"The payment service refused the refund ({exc.gateway_message or exc}); "
                "nothing was refunded.", code="refund_rejected",
                details={"refund_id": refund.id}) from exc
        if isinstance(exc, GatewayRefused):
            raise ServiceUnavailable("The payment service refused the request; nothing was "
                                     "refunded. Try again later.",
                                     code="payment_gateway_unavailable") from exc
        # NB: the outcome of an unanswered refund is unknown (the old behaviour is kept).
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


# The webhook events that decide a card payment, and the status each one decides.
PAYMENT_EVENTS = {"payment_intent.succeeded": PaymentStatus.succeeded,
                  "payment_intent.payment_failed": PaymentStatus.failed}


def apply_gateway_event(session: Session, event: dict[str, Any]) -> dict[str, str]:
    """Apply a verified webhook event once; redeliveries are recognised by the event id.

    A valid signature proves the event came through the gateway account, not that it is
    about the payment it names: it decides a payment only when its PaymentIntent id is the
    payment's stored reference and its amount and currency are the payment's (metadata is
    never trusted to find the payment). Every event is kept as a ``GatewayEvent``; the
    answer is ``{"outcome": "applied" | "duplicate" | "ignored", "reason"?: why ignored}``.
    Commits.
    """
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        return {"outcome": "ignored", "reason": "malformed_event"}
    try:
        with session.begin_nested():
            session.add(GatewayEvent(id=event_id, type=str(event.get("type") or "")[:64],
                                     payload=event))
            session.flush()
    except IntegrityError:
        return {"outcome": "duplicate"}
    reason = _apply_payment_event(session, event)
    if reason is not None:
        log.info("gateway event %s (%s) ignored: %s", event_id, event.get("type"), reason)
    session.commit()
    return {"outcome": "applied"} if reason is None else {"outcome": "ignored",
                                                          "reason": reason}


def _apply_payment_event(session: Session, event: dict[str, Any]) -> str | None:
    """Decide the payment the event is about; None when applied, else why it was not."""
    decided = PAYMENT_EVENTS.get(str(event.get("type") or ""))
    if decided is None:
        return "unhandled_type"
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    intent_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(obj, dict) or not isinstance(intent_id, str) or not intent_id:
        return "malformed_event"
    query = select(Payment).where(Payment.method == PaymentMethod.card,
                                  Payment.reference == intent_id)
    query = for_update(query)
    payment = session.scalars(query).first()
    if payment is None:
        return "unknown_payment_intent"
    metadata = obj.get("metadata")
    named = metadata.get("payment_id") if isinstance(metadata, dict) else None
    reason = None
    if named is not None and str(named) != str(payment.id):
        reason = "payment_mismatch"
    elif str(obj.get("currency") or "").upper() != payment.currency.upper():
        reason = "currency_mismatch"
    elif (type(obj.get("amount")) is not int
          or obj["amount"] != to_minor_units(payment.amount, payment.currency)):
        reason = "amount_mismatch"
    elif payment.status != PaymentStatus.pending:
        reason = "payment_not_pending"
    if reason is not None:
        if reason != "payment_not_pending" or payment.status != decided:
            log.warning("gateway event %s about payment %s does not match it (%s): "
                        "needs review", event.get("id"), payment.id, reason)
        return reason
    payment.status = decided
    if decided == PaymentStatus.failed:
        error = obj.get("last_payment_error")
        message = error.get("message") if isinstance(error, dict) else None
        payment.failure_message = str(message) if message else "The card was declined."
    record(session, action=f"payment.card.{payment.status}", target_type="order",
           target_id=payment.order_id, actor=None,
           after={"payment_id": payment.id, "event": event["id"]},
           reason="gateway webhook")
    return None
