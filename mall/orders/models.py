"""Carts, requisitions with their compliance decisions, approvals, competitions and orders.

Past 400 lines (about 475), kept whole: these tables reference one another (a requisition's
lines, its competition, that competition's quotes and orders, the rotation turns its lines
take, the flags raised on them), and one module keeps the foreign keys and relationships
readable side by side. The next table to come belongs in a module of its own, as
mall.evaluation's, mall.joint's and mall.notifications' do.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.db import Base, sql_values, utcnow
from mall.orders.compliance.outcomes import Route

if TYPE_CHECKING:
    from mall.accounts.models import Organization


class RequisitionStatus(enum.StrEnum):
    pending = "pending"  # waiting for approvers or for a competition's award
    approved = "approved"
    ordered = "ordered"
    blocked = "blocked"
    rejected = "rejected"
    cancelled = "cancelled"


# Requisitions that count towards the cumulative (anti-splitting) total.
COUNTED_STATUSES = (RequisitionStatus.pending, RequisitionStatus.approved,
                    RequisitionStatus.ordered)


class OrderStatus(enum.StrEnum):
    placed = "placed"
    confirmed = "confirmed"
    shipped = "shipped"
    delivered = "delivered"
    accepted = "accepted"
    rejected = "rejected"
    cancelled = "cancelled"


class CompetitionStatus(enum.StrEnum):
    open = "open"
    awarded = "awarded"
    cancelled = "cancelled"


class LineAssignment(enum.StrEnum):
    """Who picked a requisition line's supplier (rotation: mall.orders.services.rotation)."""

    chosen = "chosen"  # the purchaser named the offer
    rotation = "rotation"  # 顺序轮候: the system assigned the supplier whose turn it was


# The most of one offer a cart line or a requisition line may ask for (the API's schemas, and
# the services for quantities that add up).
MAX_LINE_QUANTITY = 10_000_000
# The longest carrier tracking number an order keeps (shipping form and API alike).
TRACKING_NUMBER_MAX = 64


class Cart(Base):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CartLine.id")


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "offer_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Requisition(Base):
    __tablename__ = "requisitions"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(RequisitionStatus)})", name="status"),
        CheckConstraint(f"route IN ({sql_values(Route)})", name="route"),
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint("required_approvals >= 0", name="required_approvals_non_negative"),
        Index("ix_requisitions_org_created", "purchaser_organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    purchaser_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(16))
    jurisdiction: Mapped[str] = mapped_column(String(32))
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    justification: Mapped[str | None] = mapped_column(Text)
    # What the purchaser needs, in words (checked by mall.standards); shown to invitees.
    requirement_text: Mapped[str | None] = mapped_column(Text)
    # 预留份额: a purchase reserved for SME suppliers (its competition invites only them).
    sme_reserved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A participant's share of a joint purchase (mall.joint; no foreign key: orders sit
    # below that package), for reports.
    joint_purchase_id: Mapped[int | None] = mapped_column(Integer)
    # Where its orders are delivered (ISO 3166-2), when not simply the purchaser's own
    # region: a joint purchase participant's chosen delivery region, or the region of the
    # delivery address chosen (it then agrees with ``delivery_address``).
    delivery_region: Mapped[str | None] = mapped_column(String(16))
    # The delivery address chosen from the purchaser's address book, as it read then
    # (``DeliveryAddress.snapshot``); its orders copy it. None: no address was chosen.
    delivery_address: Mapped[dict[str, Any] | None]
    required_approvals: Mapped[int] = mapped_column(Integer, default=0)
    # The snapshot prices are honoured until then; later approvals re-check eligibility.
    price_hold_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[RequisitionLine]] = relationship(
        back_populates="requisition", cascade="all, delete-orphan", lazy="selectin",
        order_by="RequisitionLine.id")
    decisions: Mapped[list[ComplianceDecision]] = relationship(
        cascade="all, delete-orphan", order_by="ComplianceDecision.id")
    approvals: Mapped[list[Approval]] = relationship(
        cascade="all, delete-orphan", order_by="Approval.id")
    orders: Mapped[list[PurchaseOrder]] = relationship(order_by="PurchaseOrder.id")
    # The second-stage competition, if the requisition was routed to one (read-only side of
    # Competition.requisition; competitions.requisition_id is unique).
    competition: Mapped[Competition | None] = relationship(viewonly=True)

    @property
    def latest_decision(self) -> ComplianceDecision | None:
        return self.decisions[-1] if self.decisions else None


class RequisitionLine(Base):
    __tablename__ = "requisition_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint("line_total >= 0", name="line_total_non_negative"),
        CheckConstraint(f"assignment IN ({sql_values(LineAssignment)})", name="assignment"),
        # The compliance engine's hot query: one organization's spend in one category over a
        # window. Denormalised organization and time make it an index range scan.
        Index("ix_requisition_lines_cumulative", "purchaser_organization_id", "category_id",
              "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    requisition_id: Mapped[int] = mapped_column(
        ForeignKey("requisitions.id", ondelete="CASCADE"), index=True)
    purchaser_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    title: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    line_total: Mapped[Decimal]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assignment: Mapped[str] = mapped_column(String(16), default=LineAssignment.chosen,
                                            server_default=LineAssignment.chosen.value)

    requisition: Mapped[Requisition] = relationship(back_populates="lines")


class ComplianceDecision(Base):
    """One evaluation of a requisition: every rule with its inputs and outcome."""

    __tablename__ = "compliance_decisions"
    __table_args__ = (CheckConstraint(f"route IN ({sql_values(Route)})", name="route"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        ForeignKey("requisitions.id", ondelete="CASCADE"), index=True)
    profile: Mapped[str] = mapped_column(String(32))
    route: Mapped[str] = mapped_column(String(16))
    rules: Mapped[list[Any]]
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApprovalDecision(enum.StrEnum):
    approve = "approve"
    reject = "reject"


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("requisition_id", "approver_id"),
        CheckConstraint(f"decision IN ({sql_values(ApprovalDecision)})", name="decision"),
        CheckConstraint("decision = 'approve' OR reason IS NOT NULL", name="reject_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(
        ForeignKey("requisitions.id", ondelete="CASCADE"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Competition(Base):
    __tablename__ = "competitions"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(CompetitionStatus)})", name="status"),
        CheckConstraint("sme_deduction >= 0 AND sme_deduction < 1", name="sme_deduction_range"),
        CheckConstraint("method IN ('lowest_price', 'best_value')", name="method"),
        # A competition is for one requisition, or for another subject (a joint purchase,
        # which references it) registered in services.competition_subjects.
        CheckConstraint("(subject = 'requisition') = (requisition_id IS NOT NULL)",
                        name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int | None] = mapped_column(
        ForeignKey("requisitions.id", ondelete="CASCADE"), unique=True)
    subject: Mapped[str] = mapped_column(String(16), default="requisition",
                                         server_default="requisition")
    status: Mapped[str] = mapped_column(String(16), default=CompetitionStatus.open)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str] = mapped_column(String(3))
    sme_deduction: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # No foreign key: quotes already reference competitions, and a cycle complicates DDL.
    awarded_quote_id: Mapped[int | None] = mapped_column(Integer)
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The awarded quote's rank (1 = lowest evaluated) and, when it is not 1, why.
    awarded_rank: Mapped[int | None] = mapped_column(Integer)
    award_reason: Mapped[str | None] = mapped_column(Text)
    # Quoting ended before the deadline because every invitee had quoted (the buyer closed it).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Only SME suppliers were invited (an SME-reserved purchase with enough of them).
    sme_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How quotes are ranked: "lowest_price", or "best_value" with ``evaluation_plan``
    # {price_weight, criteria: [{key, name_zh, name_en, weight, max_score}], panel_size},
    # ranked by mall.evaluation's expert panel (see services.awards.RANKERS).
    method: Mapped[str] = mapped_column(String(16), default="lowest_price",
                                        server_default="lowest_price")
    evaluation_plan: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    requisition: Mapped[Requisition | None] = relationship()
    invitations: Mapped[list[CompetitionInvitation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CompetitionInvitation.id")
    quotes: Mapped[list[Quote]] = relationship(
        cascade="all, delete-orphan", order_by="Quote.id", foreign_keys="Quote.competition_id")


class CompetitionInvitation(Base):
    __tablename__ = "competition_invitations"
    __table_args__ = (UniqueConstraint("competition_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Quote(Base):
    """One supplier's single, final quote in a competition (no revisions: see services)."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("competition_id", "supplier_id"),
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint("evaluated_total >= 0", name="evaluated_total_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # [{line_id, unit_price}] as decimal strings.
    lines: Mapped[list[Any]]
    total: Mapped[Decimal]
    # The total used for ranking: the SME deduction applied, never the price paid.
    evaluated_total: Mapped[Decimal]
    # A best-value competition's technical answer per criterion: {criterion key: text}.
    technical: Mapped[dict[str, Any] | None]
    currency: Mapped[str] = mapped_column(String(3))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # Named on pages only once the award discloses who quoted.
    supplier: Mapped[Organization] = relationship(viewonly=True)


class FlagKind(enum.StrEnum):
    identical_totals = "identical_totals"  # different suppliers quoted the same total
    shared_contact = "shared_contact"  # quoting suppliers share an e-mail or phone
    non_first_award = "non_first_award"  # awarded to a quote other than the lowest evaluated
    outlier_score = "outlier_score"  # an expert's score far from the rest of the panel's
    accountability = "accountability"  # a purchaser past an accountability threshold


class FlagStatus(enum.StrEnum):
    open = "open"
    dismissed = "dismissed"  # looked at, nothing wrong (the reason says why)
    acted = "acted"  # the center suspended, debarred or referred


class FlagResolution(enum.StrEnum):
    dismiss = "dismiss"
    suspend = "suspend"
    debar = "debar"
    refer = "refer"  # handed to the audit or discipline authority


class OrderParty(enum.StrEnum):
    """The two sides of a purchase order; each may make some transitions."""

    purchaser = "purchaser"
    supplier = "supplier"


class Flag(Base):
    """A suspicious pattern shown to the procurement center."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(FlagKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_values(FlagStatus)})", name="status"),
        CheckConstraint(f"resolution IS NULL OR resolution IN ({sql_values(FlagResolution)})",
                        name="resolution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    # The purchaser a flag is about (accountability flags), when it is about one.
    purchaser_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True)
    supplier_ids: Mapped[list[Any]]
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=FlagStatus.open,
                                        server_default=FlagStatus.open.value)
    resolution: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(OrderStatus)})", name="status"),
        CheckConstraint("total >= 0", name="total_non_negative"),
        Index("ix_purchase_orders_purchaser", "purchaser_organization_id", "created_at"),
        Index("ix_purchase_orders_supplier", "supplier_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competitions.id"))
    purchaser_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.placed)
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    # Where the supplier delivers (ISO 3166-2): the requisition's delivery region, else the
    # purchaser's region at placement. Empty on orders placed before it was recorded.
    delivery_region: Mapped[str | None] = mapped_column(String(16))
    # The requisition's delivery address snapshot (recipient, phone, lines, city, postal
    # code, region): a copy, so editing or archiving the address book changes no order.
    delivery_address: Mapped[dict[str, Any] | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The carrier's tracking number, given (optionally) by the supplier when it ships.
    tracking_number: Mapped[str | None] = mapped_column(String(TRACKING_NUMBER_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="OrderLine.id")


class OrderLine(Base):
    """A snapshot of what was bought: title, SKU and price at purchase time."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint("line_total >= 0", name="line_total_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    requisition_line_id: Mapped[int | None] = mapped_column(ForeignKey("requisition_lines.id"))
    # The offer whose stock is reserved; None when the winner has no offer for the item.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    line_total: Mapped[Decimal]


# --- order rotation (顺序轮候): the queues of mall.orders.services.rotation -----------------

class RotationTurn(Base):
    """The turn counter of one (agreement, product) rotation.

    Its row lock (level 2 of ``mall.locks``) serialises the turns of that queue: the
    positions below are only read and written while it is held.
    """

    __tablename__ = "rotation_turns"
    __table_args__ = (CheckConstraint("seq >= 0", name="seq_non_negative"),)

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    # The number of turns handed out so far; the next turn is seq + 1.
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class RotationPosition(Base):
    """Where one awarded supplier stands in a rotation: the turn it last had and how many."""

    __tablename__ = "rotation_positions"
    __table_args__ = (
        ForeignKeyConstraint(["agreement_id", "product_id"],
                             ["rotation_turns.agreement_id", "rotation_turns.product_id"],
                             ondelete="CASCADE"),
        CheckConstraint("served_count >= 0", name="served_count_non_negative"),
    )

    agreement_id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    last_served_seq: Mapped[int] = mapped_column(BigInteger)
    served_count: Mapped[int] = mapped_column(Integer, default=0)
    last_served_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_requisition_id: Mapped[int | None] = mapped_column(
        ForeignKey("requisitions.id", ondelete="SET NULL"))
