"""Card payments left pending by a lost gateway answer, decided with the gateway.

Run by the worker's ``reconcile-payments`` task; it only reads a charge's state, never
confirms one, so it cannot charge anyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.services import record
from mall.db import utcnow
from mall.payments.gateway import GatewayError, PaymentGateway
from mall.payments.models import Payment, PaymentMethod, PaymentStatus
from mall.payments.services import locked_payment


def reconcile_pending_payments(session: Session, gateway: PaymentGateway,
                               older_than: timedelta = timedelta(minutes=15),
                               now: datetime | None = None) -> dict[str, int]:
    """Decide card payments left pending by a lost answer; commits each one.

    With a PaymentIntent id the gateway is asked how the charge stands (only read, never
    confirmed: a charge the payer started but never confirmed stays theirs to finish until
    it is an hour old, then it is failed so a new payment can start). Without one the create
    call never answered, nothing was confirmed, so nothing was charged: failed after an hour.
    """
    now = now or utcnow()
    counts = {"succeeded": 0, "failed": 0, "still_pending": 0}
    candidates = list(session.scalars(
        select(Payment.id).where(Payment.method == PaymentMethod.card,
                                 Payment.status == PaymentStatus.pending,
                                 Payment.created_at < now - older_than)
        .order_by(Payment.id).limit(500)))
    session.rollback()
    for payment_id in candidates:
        payment = locked_payment(session, payment_id)
        created = payment.created_at if payment.created_at.tzinfo else \
            payment.created_at.replace(tzinfo=now.tzinfo)
        stale = now - created > timedelta(hours=1)
        outcome = "still_pending"
        if payment.status != PaymentStatus.pending:
            session.rollback()
            continue
        if payment.reference is None:
            if stale:
                payment.status = PaymentStatus.failed
                payment.failure_message = ("The payment service never answered; nothing was "
                                           "charged. Start a new payment.")
                outcome = "failed"
        else:
            try:
                status = gateway.charge_status(payment.reference).status
            except GatewayError:
                session.rollback()
                counts["still_pending"] += 1
                continue
            if status == "succeeded":
                payment.status, outcome = PaymentStatus.succeeded, "succeeded"
            elif status == "failed" or (stale and status == "requires_confirmation"):
                payment.status, outcome = PaymentStatus.failed, "failed"
                payment.failure_message = "The charge did not complete; nothing was charged."
        if outcome != "still_pending":
            record(session, action=f"payment.card.{payment.status}", target_type="order",
                   target_id=payment.order_id, actor=None,
                   after={"payment_id": payment.id, "reference": payment.reference},
                   reason="reconciled with the gateway")
        counts[outcome] += 1
        session.commit()
    return counts
