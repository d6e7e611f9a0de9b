from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.outbox.models import OutboxEvent


def enqueue(session: Session, entity_type: str, entity_ids: Iterable[int], reason: str) -> int:
    """Record that these entities' search documents changed, in the caller's transaction."""
    rows = [{"entity_type": entity_type, "entity_id": entity_id, "reason": reason,
             "created_at": utcnow(), "attempts": 0} for entity_id in entity_ids]
    if rows:
        # One executemany, in the caller's transaction; ids ascend in list order. On the
        # session's connection: nothing is loaded back, and the session's pending changes
        # (usually the entity's own) are not flushed for it but with the caller's next flush.
        session.connection().execute(insert(OutboxEvent), rows)
    return len(rows)
