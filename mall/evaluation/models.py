"""Experts, their conflicts, panel draws and each panel member's scores."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.db import Base, sql_values, utcnow

if TYPE_CHECKING:
    from mall.accounts.models import User


class ConflictKind(enum.StrEnum):
    affiliation = "affiliation"  # works or worked for it (registered by the center)
    declared = "declared"  # declared by the expert


class Expert(Base):
    """An evaluator in the shared pool: a user with role ``expert`` of the center."""

    __tablename__ = "experts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    region: Mapped[str] = mapped_column(String(16), index=True)
    # Category codes the expert may evaluate (a code covers its descendants).
    specialties: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined", viewonly=True)


class ExpertConflict(Base):
    """An organization the expert may not evaluate for, and why."""

    __tablename__ = "expert_conflicts"
    __table_args__ = (
        UniqueConstraint("expert_id", "organization_id", "kind"),
        CheckConstraint(f"kind IN ({sql_values(ConflictKind)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.user_id", ondelete="CASCADE"),
                                           index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PanelDraw(Base):
    """The draw of one competition's panel, with everything needed to re-run it."""

    __tablename__ = "panel_draws"

    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    panel_size: Mapped[int] = mapped_column(Integer)
    # [{expert_id, region}] in id order: the eligible pool the seed drew from.
    pool: Mapped[list[Any]]
    # [{expert_id, organization_id, kind, reason}]: who was left out and why.
    exclusions: Mapped[list[Any]]
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PanelMember(Base):
    """One expert's assignment on a panel, and (once submitted) their scores."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("competition_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.user_id"), index=True)
    region: Mapped[str] = mapped_column(String(16))
    # {quote_id: {criterion key: score}} and {quote_id: {criterion key: comment}}.
    scores: Mapped[dict[str, Any] | None]
    comments: Mapped[dict[str, Any] | None]
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
