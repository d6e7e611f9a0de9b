"""Append-only audit trail; rows are hash-chained so edits and deletions are detectable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mall.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditBatchRow(Base):
    """One offer change of a bulk write (a feed batch), named by an audit event.

    The chain holds one event per batch whose ``after`` carries the batch key, the row count
    and a digest of these rows (``mall.audit.digest``); ``verify_chain`` recomputes it, so an
    edited or deleted row here breaks the chain like an edited event does.
    """

    __tablename__ = "audit_batch_rows"
    # Read only by ``batch_key`` (the digest), so that is the one index besides the key.

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    batch_key: Mapped[str] = mapped_column(String(64), index=True)
    row: Mapped[int] = mapped_column(Integer)
    offer_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    action: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any]]
