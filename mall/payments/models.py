"""Payments of purchase orders (purchase card through Stripe, or invoice) and refunds."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.db import Base, sql_values, utcnow


class PaymentMethod(enum.StrEnum):
    card = "card"
    invoice = "invoice"


class PaymentStatus(enum.StrEnum):
    pending = "pending"  # recorded, the gateway not yet answered
    succeeded = "succeeded"
    failed = "failed"
    invoiced = "invoiced"  # an invoice awaits settlement
    settled = "settled"  # the invoice was paid


# A payment in one of these states blocks another payment of the same order.
LIVE_STATUSES = ("pending", "succeeded", "invoiced", "settled")



_LIVE = f"status IN ({', '.join(repr(s) for s in LIVE_STATUSES)})"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"method IN ({sql_values(PaymentMethod)})", name="method"),
        CheckConstraint(f"status IN ({sql_values(PaymentStatus)})", name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount",
                        name="refunds_within_amount"),
        # One live payment per order, whatever the gateway does with idempotency keys.
        Index("uq_payments_one_live_per_order", "order_id", unique=True,
              postgresql_where=text(_LIVE), sqlite_where=text(_LIVE)),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.pending)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    refunded_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    # The PaymentIntent id for cards, the invoice number for invoices.
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    refunds: Mapped[list[Refund]] = relationship(lazy="selectin", order_by="Refund.id")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GatewayEvent(Base):
    """Webhook events already applied; the primary key makes redelivery harmless."""

    __tablename__ = "gateway_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
