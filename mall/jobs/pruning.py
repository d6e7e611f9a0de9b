"""Pruning: tables that would otherwise grow without bound, each with its retention.

- ``login_attempts``: 1 day (the throttle looks back 15 minutes; a day serves a review).
- ``api_tokens``: 7 days after expiry or revocation (such a token is never accepted again).
- ``idempotency_keys``: 30 days (clients retry within minutes; a month covers any policy).
- ``outbox_events`` done: 7 days (pending rows are never pruned).
- ``jobs`` completed or failed: 30 days (a feed's report lives on the feed import).
- ``feed_chunks`` of finished imports: 1 day (the report stays; the bytes are not needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from mall.accounts.models import ApiToken, LoginAttempt
from mall.catalog.models import FeedChunk, FeedImport, FeedImportStatus
from mall.db import utcnow
from mall.idempotency import IdempotencyKey
from mall.jobs.models import Job, JobStatus
from mall.outbox.models import OutboxEvent

LOGIN_ATTEMPTS = timedelta(days=1)
TOKENS_AFTER_EXPIRY = timedelta(days=7)
IDEMPOTENCY_KEYS = timedelta(days=30)
DONE_OUTBOX_EVENTS = timedelta(days=7)
FINISHED_JOBS = timedelta(days=30)
FINISHED_FEED_CHUNKS = timedelta(days=1)


@dataclass
class Pruned:
    login_attempts: int = 0
    api_tokens: int = 0
    idempotency_keys: int = 0
    outbox_events: int = 0
    jobs: int = 0
    feed_chunks: int = 0

    def line(self) -> str:
        return ", ".join(f"{name}={count}" for name, count in vars(self).items())


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def prune(session: Session, now: datetime | None = None) -> Pruned:
    """Delete what is past its retention; one transaction; returns how many rows per table."""
    now = now or utcnow()
    pruned = Pruned()
    pruned.login_attempts = _count(session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < now - LOGIN_ATTEMPTS)))
    cutoff = now - TOKENS_AFTER_EXPIRY
    pruned.api_tokens = _count(session.execute(delete(ApiToken).where(or_(
        ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff))))
    pruned.idempotency_keys = _count(session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_KEYS)))
    pruned.outbox_events = _count(session.execute(delete(OutboxEvent).where(
        OutboxEvent.processed_at.is_not(None),
        OutboxEvent.processed_at < now - DONE_OUTBOX_EVENTS)))
    pruned.jobs = _count(session.execute(delete(Job).where(
        Job.status.in_([JobStatus.completed, JobStatus.failed]),
        Job.finished_at < now - FINISHED_JOBS)))
    finished = select(FeedImport.id).where(
        FeedImport.status.in_([FeedImportStatus.completed, FeedImportStatus.failed]),
        FeedImport.finished_at < now - FINISHED_FEED_CHUNKS)
    pruned.feed_chunks = _count(session.execute(
        delete(FeedChunk).where(FeedChunk.feed_import_id.in_(finished))))
    session.commit()
    return pruned
