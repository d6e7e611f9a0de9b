"""Digests of bulk audit rows: one definition for writing an event and for verifying it.

A batch's digest is SHA-256 over its rows in id order, each as
``offer_id|row|action|reason|before|after`` with the JSON in PostgreSQL's canonical jsonb
text. It is computed by the database both when the batch event is recorded and when
``verify_chain`` checks it, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

BATCH_ACTION = "offer.feed_batch"

_DIGEST = text("""
SELECT count(*), encode(sha256(convert_to(coalesce(string_agg(
         offer_id::text || '|' || row::text || '|' || action || '|' || coalesce(reason, '')
         || '|' || coalesce(before::text, 'null') || '|' || after::text,
         E'\\n' ORDER BY id), ''), 'UTF8')), 'hex')
FROM audit_batch_rows WHERE batch_key = :key
""")


def batch_digest(session: Session, key: str) -> tuple[int, str]:
    """(row count, hex digest) of one batch's stored rows (PostgreSQL)."""
    count, digest = session.execute(_DIGEST, {"key": key}).one()
    return int(count), str(digest)
