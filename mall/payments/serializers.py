"""The payments area's JSON shapes."""

from __future__ import annotations

from typing import Any

from mall.money import money
from mall.payments.models import Payment


def payment_json(payment: Payment) -> dict[str, Any]:
    currency = payment.currency
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "method": payment.method,
        "status": payment.status,
        "amount": money(payment.amount, currency),
        "refunded": money(payment.refunded_amount, currency),
        "reference": payment.reference,
        "failure_message": payment.failure_message,
        "refunds": [{"id": r.id, "amount": money(r.amount, currency), "status": r.status,
                     "reason": r.reason, "created_at": r.created_at.isoformat()}
                    for r in payment.refunds],
        "created_at": payment.created_at.isoformat(),
    }
