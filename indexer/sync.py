"""Draining the outbox into the index, in order, acknowledging only what OpenSearch accepted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from opensearchpy import OpenSearch, helpers
from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.offers import load_offers
from mall.db import utcnow
from mall.outbox.models import OutboxEvent
from mall.search.documents import document_or_none

log = logging.getLogger(__name__)


@dataclass
class SyncBatch:
    events: int
    indexed: int
    deleted: int


def _pending(session: Session, limit: int) -> list[OutboxEvent]:
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several sync processes share the work without taking the same rows.
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def sync_batch(
    client: OpenSearch, session: Session, alias: str, today: date, limit: int = 500
) -> SyncBatch:
    """Apply one batch of pending events; mark them done only after OpenSearch acknowledged."""
    events = _pending(session, limit)
    if not events:
        session.rollback()
        return SyncBatch(0, 0, 0)
    offer_ids = {e.entity_id for e in events if e.entity_type == "offer"}
    offers = load_offers(session, offer_ids)
    actions: list[dict[str, Any]] = []
    indexed = deleted = 0
    for offer_id in sorted(offer_ids):
        offer = offers.get(offer_id)
        document = document_or_none(offer, today) if offer else None
        if document is not None and offer is not None:
            actions.append({"_op_type": "index", "_index": alias, "_id": str(offer_id),
                            "_source": document, "version": offer.version,
                            "version_type": "external_gte"})
            indexed += 1
        else:
            actions.append({"_op_type": "delete", "_index": alias, "_id": str(offer_id)})
            deleted += 1
    try:
        _, errors = helpers.bulk(client, actions, raise_on_error=False, max_retries=0,
                                 refresh=False)
    except Exception as exc:
        session.rollback()
        _record_failure(session, [e.id for e in events], exc)
        raise
    # A version conflict means the index already holds something newer: fine. A missing
    # document on delete is fine too. Anything else fails the batch.
    real_errors = [
        e for e in errors
        if next(iter(e.values())).get("status") not in (404, 409)
    ]
    if real_errors:
        session.rollback()
        _record_failure(session, [e.id for e in events], RuntimeError(str(real_errors[:3])))
        raise RuntimeError(f"{len(real_errors)} index operations failed: {real_errors[:3]}")
    now = utcnow()
    for event in events:
        event.processed_at = now
        event.attempts += 1
    session.commit()
    return SyncBatch(len(events), indexed, deleted)


def _record_failure(session: Session, event_ids: list[int], exc: BaseException) -> None:
    try:
        for event in session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids))):
            event.attempts += 1
            event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        session.commit()
    except Exception:  # recording the failure must never hide the original one
        session.rollback()
        log.exception("could not record sync failure")


def drain(client: OpenSearch, session: Session, alias: str, today: date,
          limit: int = 500) -> SyncBatch:
    total = SyncBatch(0, 0, 0)
    while True:
        batch = sync_batch(client, session, alias, today, limit)
        if batch.events == 0:
            return total
        total.events += batch.events
        total.indexed += batch.indexed
        total.deleted += batch.deleted
