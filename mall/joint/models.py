"""Joint purchases (联合采购) and the purchasers' commitments to them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.db import Base, sql_values, utcnow


class JointStatus(enum.StrEnum):
    open = "open"  # taking commitments until closes_at
    competing = "competing"  # closed; its competition is quoting or being evaluated
    awarded = "awarded"  # requisitions and orders made per participant
    failed = "failed"  # below the minimum quantity, nobody committed, or no competition
    cancelled = "cancelled"  # its competition was cancelled


class JointPurchase(Base):
    """One campaign: a product or a requirement standard under an agreement lot."""

    __tablename__ = "joint_purchases"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(JointStatus)})", name="status"),
        CheckConstraint("(product_id IS NULL) <> (standard_id IS NULL)", name="one_subject"),
        CheckConstraint("min_quantity IS NULL OR min_quantity > 0", name="min_quantity"),
        Index("ix_joint_purchases_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=JointStatus.open)
    # The lead: a purchaser whose buyer opened it, or the center.
    lead_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    # The standard's version at creation (later versions do not change the campaign).
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("standards.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deliver_by: Mapped[date] = mapped_column(Date)
    requirement_text: Mapped[str | None] = mapped_column(Text)
    # Purchaser regions in scope (ISO 3166-2, or a country); empty: every purchaser.
    regions: Mapped[list[Any]]
    min_quantity: Mapped[int | None] = mapped_column(Integer)
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitions.id"), unique=True)
    # At close: the total committed and the lowest listed unit price (savings are against it).
    total_quantity: Mapped[int | None] = mapped_column(Integer)
    reference_price: Mapped[Decimal | None]
    # Each invited supplier's lowest listed unit price and that offer at close:
    # {supplier_id: {"price": "12.50", "offer_id": 7}}; a quote may not exceed its price.
    listed_prices: Mapped[dict[str, Any] | None]
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    awarded_unit_price: Mapped[Decimal | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    commitments: Mapped[list[JointCommitment]] = relationship(
        back_populates="joint_purchase", cascade="all, delete-orphan",
        order_by="JointCommitment.id")


class JointCommitment(Base):
    """One purchaser's share: changeable or withdrawable (deleted) until the close."""

    __tablename__ = "joint_commitments"
    __table_args__ = (
        UniqueConstraint("joint_purchase_id", "purchaser_organization_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    joint_purchase_id: Mapped[int] = mapped_column(
        ForeignKey("joint_purchases.id", ondelete="CASCADE"))
    purchaser_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id"), index=True)
    committed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    delivery_region: Mapped[str] = mapped_column(String(16))
    # The purchaser's own rules at commit: {route, required_approvals, unit_price, reasons}.
    preview: Mapped[dict[str, Any]]
    # Made by the award: this participant's requisition (its order hangs off it).
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("requisitions.id"))
    savings: Mapped[Decimal | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    joint_purchase: Mapped[JointPurchase] = relationship(back_populates="commitments")
