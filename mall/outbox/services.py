from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from mall.outbox.models import OutboxEvent


def enqueue(session: Session, entity_type: str, entity_ids: Iterable[int], reason: str) -> int:
    """Record that these entities' search documents changed, in the caller's transaction."""
    rows = [
        OutboxEvent(entity_type=entity_type, entity_id=entity_id, reason=reason)
        for entity_id in entity_ids
    ]
    session.add_all(rows)
    return len(rows)
