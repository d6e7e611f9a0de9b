"""Requirement standards: one row per version of a standard."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.catalog.models import Category
from mall.db import Base, utcnow


class RequirementOp(enum.StrEnum):
    eq = "eq"
    gte = "gte"
    lte = "lte"
    in_ = "in"


class Standard(Base):
    """One version of a requirement standard; posting an existing code adds version N+1.

    ``requirements`` is the list of conditions ``[{attribute, op, value}]`` on the category's
    attribute template; older versions stay as they were.
    """

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up by the (code, version) unique index.
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    guidance_zh: Mapped[str | None] = mapped_column(Text)
    guidance_en: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[str | None] = mapped_column(String(32))
    requirements: Mapped[list[Any]]
    reference_price: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")
