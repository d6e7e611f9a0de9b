"""A cancelled or rejected order gives its money back, or is refused: never one without the other.

Orders must not import payments, so this hooks into ``purchase_orders.register_cancel_hook``
(``init_app``, called by ``create_app``). The hook runs inside the transition's transaction,
after the order's stock was released and before the transition is audited, so the refund,
the stock and the order's status are committed together or not at all:

- no live payment (none, or only failed ones): nothing to do;
- a succeeded card payment: whatever is not yet refunded is refunded through the gateway
  now; a gateway outage refuses the transition (503, nothing changes);
- a card payment still pending: refused (409 ``payment_pending``), since whether money
  moved is not yet known;
- an open invoice: voided (status ``failed``, as the payment vocabulary has no ``voided``),
  so it can no longer be settled;
- a settled invoice: refused (409 ``invoice_settled``): that money moved outside the
  gateway, and only the supplier can return it.

A repeated cancel is refused by the order's life cycle (the order row is locked, and a
cancelled order cannot be cancelled again), so it never refunds twice. The gateway call is
made while this transaction is open (it must be, to stay atomic with the cancellation); its
idempotency key is fixed per payment, so if the commit after a successful refund is lost, the
retried cancel asks the gateway for the same refund again rather than for a second one.
Following ``mall.locks`` (offer rows before payment rows, the audit chain last), the call is
made with the order's offer rows locked but before any audit event, so a slow gateway delays
only purchases of those offers, by at most its timeout.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.services import record
from mall.errors import Conflict, RuleViolation, ServiceUnavailable
from mall.money import money
from mall.orders.models import OrderStatus, PurchaseOrder
from mall.orders.services.purchase_orders import register_cancel_hook
from mall.payments.gateway import GatewayError, GatewayUnavailable, current_gateway
from mall.payments.models import LIVE_STATUSES, Payment, PaymentMethod, PaymentStatus, Refund


def refund_key(payment: Payment) -> str:
    """The gateway idempotency key of the refund a cancellation makes (one per payment)."""
    return f"mall-cancel-refund-{payment.id}"


def _live_payment(session: Session, order: PurchaseOrder) -> Payment | None:
    """The order's live payment (at most one, by a unique index), locked."""
    return session.scalar(
        select(Payment).where(Payment.order_id == order.id,
                              Payment.status.in_(LIVE_STATUSES))
        .with_for_update().execution_options(populate_existing=True))


def _what(order: PurchaseOrder) -> str:
    return "rejected" if order.status == OrderStatus.rejected else "cancelled"


def settle_before_void(session: Session, order: PurchaseOrder, actor: User) -> None:
    """The cancel hook: refund or void the order's payment, or refuse (see the module)."""
    payment = _live_payment(session, order)
    if payment is None:
        return
    details: dict[str, Any] = {"order_id": order.id, "payment_id": payment.id,
                               "payment_status": payment.status}
    if payment.status == PaymentStatus.pending:
        raise Conflict("The order's card payment is still being processed; it can be "
                       "cancelled once the payment has succeeded (it is then refunded) or "
                       "failed.", code="payment_pending", details=details)
    if payment.status == PaymentStatus.settled:
        raise Conflict("The order's invoice has been paid; the supplier must return that "
                       "money before the order can be cancelled.", code="invoice_settled",
                       details=details)
    if payment.status == PaymentStatus.invoiced:
        payment.status = PaymentStatus.failed
        payment.failure_message = f"Voided: the order was {_what(order)}."
        session.flush()
        record(session, action="payment.invoice.voided", target_type="order",
               target_id=order.id, actor=actor,
               after={"payment_id": payment.id, "status": payment.status})
        return
    if payment.method == PaymentMethod.card and payment.status == PaymentStatus.succeeded:
        _refund_rest(session, order, payment, actor)


def _refund_rest(session: Session, order: PurchaseOrder, payment: Payment, actor: User) -> None:
    """Refund what the supplier has not refunded already (nothing when that is all of it)."""
    remaining: Decimal = payment.amount - payment.refunded_amount
    if remaining <= 0:
        return
    try:
        result = current_gateway().refund(payment.reference or "", remaining, payment.currency,
                                          idempotency_key=refund_key(payment))
    except GatewayUnavailable as exc:
        raise ServiceUnavailable(
            f"The payment service did not answer, so the paid order was not {_what(order)} "
            "and nothing was refunded; try again.", code="payment_gateway_unavailable",
            details={"order_id": order.id, "payment_id": payment.id,
                     "refundable": money(remaining, payment.currency)}) from exc
    except GatewayError as exc:  # refused for good: say so, change nothing
        raise RuleViolation(
            f"The payment service refused the refund, so the paid order was not "
            f"{_what(order)}; ask the center to refund it by hand.", code="refund_rejected",
            details={"order_id": order.id, "payment_id": payment.id,
                     "refundable": money(remaining, payment.currency)}) from exc
    reason = f"Order {order.id} {_what(order)}."
    refund = Refund(payment_id=payment.id, amount=remaining, reason=reason,
                    reference=result.reference, created_by_id=actor.id,
                    status="succeeded" if result.status == "succeeded" else "pending")
    payment.refunded_amount = payment.refunded_amount + remaining
    session.add(refund)
    session.flush()
    record(session, action="payment.refund", target_type="order", target_id=order.id,
           actor=actor, after={"payment_id": payment.id, "refund_id": refund.id,
                               "amount": remaining, "status": refund.status}, reason=reason)


def init_app(app: Any) -> None:
    """Register the cancel hook (once, however many apps are made)."""
    register_cancel_hook(settle_before_void)
