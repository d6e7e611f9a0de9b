"""Stored images, keyed by the SHA-256 of the original bytes so identical images are kept once.

Images live in the database (not on a host's disk) so every app host and worker reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mall.db import Base, utcnow


class StoredImage(Base):
    __tablename__ = "images"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    original: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImageThumbnail(Base):
    """One resized copy (WebP, longest side ``size`` px) of a stored image."""

    __tablename__ = "image_thumbnails"

    image_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("images.hash", ondelete="CASCADE"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32), default="image/webp")
    data: Mapped[bytes] = mapped_column(LargeBinary)
