"""Categories with attribute templates, framework agreements, products and offers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import mall.images.models  # noqa: F401  (offers.image_hash → images.hash: in the metadata with offers)
from mall.accounts.models import Organization
from mall.db import Base, sql_values, utcnow


class AttributeType(enum.StrEnum):
    enum = "enum"
    number = "number"
    text = "text"
    bool = "bool"


class AgreementStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"


class AwardStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"  # the award stands but its offers are hidden until reinstated


class SecondStage(enum.StrEnum):
    direct = "direct"
    competition = "competition"
    rotation = "rotation"


class OfferStatus(enum.StrEnum):
    draft = "draft"
    pending_review = "pending_review"
    active = "active"
    suspended = "suspended"
    expired = "expired"
    delisted = "delisted"


class PriceSource(enum.StrEnum):
    api = "api"
    feed = "feed"
    admin = "admin"
    seed = "seed"


class PriceChangeStatus(enum.StrEnum):
    applied = "applied"
    pending_review = "pending_review"
    refused = "refused"
    # A pending rise replaced by a newer price before the center decided.
    superseded = "superseded"


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(32))
    # Codes are unique across schemes within one deployment, so the API can name a category
    # by its code alone.
    code: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # Materialized path of ancestor codes, "/A02/A0201/A020101/", for descendant filters.
    path: Mapped[str] = mapped_column(String(512), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Category | None] = relationship(remote_side=[id])
    attributes: Mapped[list[CategoryAttribute]] = relationship(
        cascade="all, delete-orphan",
        order_by="CategoryAttribute.position",
        lazy="selectin",
    )

    @property
    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c]


class CategoryAttribute(Base):
    """One entry of a category's attribute template (its "requirement standard")."""

    __tablename__ = "category_attributes"
    __table_args__ = (
        UniqueConstraint("category_id", "key"),
        CheckConstraint(f"type IN ({sql_values(AttributeType)})", name="type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(32))
    allowed_values: Mapped[list[Any] | None]
    facet: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Agreement(Base):
    """A framework agreement awarded by the procurement center."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint(f"status IN ({sql_values(AgreementStatus)})", name="status"),
        CheckConstraint(f"second_stage IN ({sql_values(SecondStage)})", name="second_stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    regions: Mapped[list[Any]]
    second_stage: Mapped[str] = mapped_column(String(16), default=SecondStage.direct)
    status: Mapped[str] = mapped_column(String(16), default=AgreementStatus.active)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lots: Mapped[list[Lot]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", lazy="selectin"
    )
    awards: Mapped[list[AgreementSupplier]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan"
    )

    def in_date(self, on: date) -> bool:
        return self.starts_on <= on <= self.ends_on


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("agreement_id", "code"),
        CheckConstraint("ceiling_price IS NULL OR ceiling_price > 0", name="ceiling_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(300))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    ceiling_price: Mapped[Decimal | None]

    agreement: Mapped[Agreement] = relationship(back_populates="lots")
    category: Mapped[Category] = relationship(lazy="joined")


class AgreementSupplier(Base):
    """A supplier awarded under an agreement."""

    __tablename__ = "agreement_suppliers"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(AwardStatus)})", name="status"),
    )

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Suspending one award hides the supplier's offers under this agreement only.
    status: Mapped[str] = mapped_column(String(16), default=AwardStatus.active,
                                        server_default=AwardStatus.active.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agreement: Mapped[Agreement] = relationship(back_populates="awards")
    supplier: Mapped[Organization] = relationship(lazy="joined")


class ItemCeiling(Base):
    """A ceiling price for one awarded item (supplier + SKU) under an agreement."""

    __tablename__ = "item_ceilings"
    __table_args__ = (
        UniqueConstraint("agreement_id", "supplier_id", "sku"),
        CheckConstraint("ceiling_price > 0", name="ceiling_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    sku: Mapped[str] = mapped_column(String(64))
    ceiling_price: Mapped[Decimal]


class Product(Base):
    """One real-world item; offers for the same item from several suppliers share it."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("gtin"),
        UniqueConstraint("category_id", "model_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: ``uq_products_category_id_model_key`` starts with it (a second
    # one tempted the planner, on stale statistics, to read a whole category per feed key).
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    brand: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(120))
    # Normalized "brand|model" used to group offers without a GTIN.
    model_key: Mapped[str] = mapped_column(String(260))
    gtin: Mapped[str | None] = mapped_column(String(14))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Offer(Base):
    """A supplier's sellable SKU under an agreement."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_non_negative"),
        CheckConstraint(
            "pending_price IS NULL OR pending_price > 0", name="pending_price_positive"
        ),
        CheckConstraint(f"status IN ({sql_values(OfferStatus)})", name="status"),
        Index("ix_offers_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: ``uq_offers_supplier_id_sku`` starts with it.
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    sku: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(120))
    gtin: Mapped[str | None] = mapped_column(String(14))
    unit: Mapped[str] = mapped_column(String(32))
    price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    # A price rise awaiting the center's review; the live price stays until it is approved.
    pending_price: Mapped[Decimal | None]
    stock: Mapped[int] = mapped_column(Integer)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    regions: Mapped[list[Any]]
    attributes: Mapped[dict[str, Any]]
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.draft)
    # Bumped on every change; the index uses it as an external version so an older event
    # can never overwrite a newer document.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The offer's picture (mall.images, keyed by content hash); a feed's image URL is
    # fetched by the worker, and the last failure is kept here for the supplier to see.
    image_hash: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("images.hash", ondelete="SET NULL"), index=True)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    supplier: Mapped[Organization] = relationship(lazy="joined")
    agreement: Mapped[Agreement] = relationship(lazy="joined")
    lot: Mapped[Lot] = relationship()
    category: Mapped[Category] = relationship(lazy="joined")
    product: Mapped[Product] = relationship()


class PriceChange(Base):
    """Price history of an offer."""

    __tablename__ = "price_changes"
    __table_args__ = (
        Index("ix_price_changes_offer_at", "offer_id", "changed_at"),
        CheckConstraint(f"source IN ({sql_values(PriceSource)})", name="source"),
        CheckConstraint(f"status IN ({sql_values(PriceChangeStatus)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    old_price: Mapped[Decimal | None]
    new_price: Mapped[Decimal]
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PriceChangeStatus.applied)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedImportStatus(enum.StrEnum):
    queued = "queued"  # stored, waiting for a worker
    processing = "processing"
    completed = "completed"
    failed = "failed"


class FeedImport(Base):
    """One supplier feed import and its totals; the per-row problems are FeedImportError rows."""

    __tablename__ = "feed_imports"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(FeedImportStatus)})", name="status"),
        CheckConstraint("format IN ('csv', 'ndjson', 'peppol')", name="format"),
        CheckConstraint(f"source IN ({sql_values(PriceSource)})", name="source"),
        CheckConstraint(
            "rows_total >= 0 AND rows_ok >= 0 AND rows_rejected >= 0 AND rows_superseded >= 0"
            " AND rows_ok + rows_rejected + rows_superseded <= rows_total",
            name="counts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16), default=PriceSource.feed)
    format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=FeedImportStatus.processing)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_ok: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rows_superseded: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Rows in the file (known after the structure pass); rows_total counts those handled.
    rows_expected: Mapped[int | None] = mapped_column(Integer)
    # The last data row whose batch is committed: a resumed import starts after it.
    resume_after_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    content_type: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)


class FeedChunk(Base):
    """A stored feed upload in order, so any worker on any host can read it."""

    __tablename__ = "feed_chunks"

    feed_import_id: Mapped[int] = mapped_column(
        ForeignKey("feed_imports.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FeedImportError(Base):
    """One problem with one row of a feed (or a superseded row, code ``superseded``)."""

    __tablename__ = "feed_import_errors"
    __table_args__ = (
        Index("ix_feed_import_errors_import_row", "feed_import_id", "row"),
        CheckConstraint("row >= 1", name="row_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_import_id: Mapped[int] = mapped_column(
        ForeignKey("feed_imports.id", ondelete="CASCADE")
    )
    row: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
