"""One notification: who is told, what kind of thing happened, where it happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from mall.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The inbox and the header's count: one user's notifications, unread first, newest
        # first; the partial index keeps the unread count cheap however long the history.
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
        Index("ix_notifications_recipient_unread", "recipient_id", "created_at",
              postgresql_where=text("read_at IS NULL"), sqlite_where=text("read_at IS NULL")),
        # The worker's claim: mails still to send, soonest due first (a small partial index,
        # since almost every row is sent or has no mail).
        Index("ix_notifications_mail_due", "mail_due_at", "id",
              postgresql_where=text("mail_due_at IS NOT NULL"),
              sqlite_where=text("mail_due_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The message's key (mall.notifications.messages); its parameters fill it in.
    kind: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    link: Mapped[str | None] = mapped_column(String(300))
    params: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The e-mail (mall.notifications.mail): due at ``mail_due_at`` while unsent; a claim
    # moves it a lease ahead (so a dead worker's mail comes due again), a failure moves it
    # by the backoff; None once sent (``mailed_at``), given up, or when no SMTP is configured.
    mail_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mail_error: Mapped[str | None] = mapped_column(Text)
