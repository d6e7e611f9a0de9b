"""Punch-out identities (one per purchaser organization) and punch-out sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mall.accounts.models import Organization, User
from mall.db import Base, utcnow


class PunchoutIdentity(Base):
    """How a purchaser organization's purchasing system signs its cXML requests.

    ``identity`` is what its ``Header/From/Credential/Identity`` says; only an argon2 hash of
    the shared secret (``Header/Sender/Credential/SharedSecret``) is stored.
    """

    __tablename__ = "punchout_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True)
    identity: Mapped[str] = mapped_column(String(128), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")


class PunchoutSession(Base):
    """One accepted PunchOutSetupRequest: who shops, and where the cart goes back.

    The start URL's token is one-time and short-lived; only its SHA-256 digest is stored.
    ``started_at`` is set (once) when the browser opens it.
    """

    __tablename__ = "punchout_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("punchout_identities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_cookie: Mapped[str] = mapped_column(Text)
    browser_form_post_url: Mapped[str] = mapped_column(Text)
    # The request's payloadID, kept for tracing a session back to the purchasing system
    request_payload_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    identity: Mapped[PunchoutIdentity] = relationship(lazy="joined")
    user: Mapped[User] = relationship()
