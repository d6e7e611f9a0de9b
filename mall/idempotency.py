"""Idempotent writes: the first response to a (user, Idempotency-Key) is the answer to every replay.

Used by requisitions and payments alike. The unique constraint on (user, key), not a read,
decides who was first: a concurrent duplicate blocks on the unique index until the first
commits, then finds its row. The same key with another request body is a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from mall.db import Base, utcnow
from mall.errors import Conflict, RuleViolation
from mall.i18n import N_

MAX_KEY_LENGTH = 255


class IdempotencyKey(Base):
    """The first response to a (user, key); the unique constraint makes replays safe."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def request_hash(path: str, body: Any) -> str:
    """A digest of what was asked: the path and the canonical JSON of the body."""
    canonical = json.dumps({"path": path, "body": body}, sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_idempotency_key(
    session: Session, user_id: int, key: str | None, digest: str
) -> tuple[IdempotencyKey | None, IdempotencyKey | None]:
    """(new row, earlier row) for this (user, key); both None when no key was sent."""
    if not key:
        return None, None
    if len(key) > MAX_KEY_LENGTH:
        raise RuleViolation(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters.",
                            code="invalid_idempotency_key")
    row = IdempotencyKey(user_id=user_id, key=key, request_hash=digest)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
        return row, None
    except IntegrityError:
        existing = session.scalar(select(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
        if existing is None:  # pragma: no cover - the winner rolled back; let the client retry
            raise Conflict(N_("A request with this Idempotency-Key is in progress; retry."),
                           code="idempotency_in_progress") from None
        if existing.request_hash != digest:
            raise Conflict(N_("This Idempotency-Key was used with a different request body."),
                           code="idempotency_conflict") from None
        return None, existing


def idempotent(
    session: Session, user_id: int, key: str | None, digest: str,
    create: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run ``create`` once per (user, key) and store its response; the caller commits."""
    row, existing = claim_idempotency_key(session, user_id, key, digest)
    if existing is not None:
        return existing.response_status or 200, dict(existing.response_body or {})
    status, body = create()
    if row is not None:
        row.response_status, row.response_body = status, body
        session.flush()
    return status, body
