"""Large feeds: stored in the database, applied by a worker as a resumable job.

An upload is read once into a temporary file and its structure checked (``parsing``); a
feed of up to ``BACKGROUND_ROWS`` rows is applied at once. A larger one is stored as
``feed_chunks`` rows, so any worker on any host can read it, and queued as a
``feed_import`` job; the request answers 202 at once. The job re-reads the stored bytes,
skips the rows an interrupted run already committed (``resume_after_row``) and goes on.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.catalog.feeds.applying import (
    SPOOL_MEMORY_BYTES,
    PreparedFeed,
    apply_feed,
    prepare_feed,
)
from mall.catalog.feeds.parsing import copy_stream, structure_pass
from mall.catalog.models import FeedChunk, FeedImport, FeedImportStatus
from mall.db import utcnow
from mall.jobs.services import enqueue

log = logging.getLogger(__name__)

# Larger feeds are applied by a worker so no request waits minutes (202).
BACKGROUND_ROWS = 2000
CHUNK_BYTES = 1024 * 1024
FEED_IMPORT_JOB = "feed_import"


def store_upload(session: Session, feed_id: int, spool: IO[bytes]) -> int:
    """Write the uploaded bytes as ordered chunks in the caller's transaction; their size."""
    spool.seek(0)
    size = seq = 0
    while chunk := spool.read(CHUNK_BYTES):
        session.add(FeedChunk(feed_import_id=feed_id, seq=seq, data=chunk))
        session.flush()  # one chunk in memory at a time
        size += len(chunk)
        seq += 1
    return size


def load_upload(session: Session, feed_id: int, spool: IO[bytes]) -> None:
    """Copy a stored upload back into ``spool``, one chunk at a time."""
    for (data,) in session.execute(
            select(FeedChunk.data).where(FeedChunk.feed_import_id == feed_id)
            .order_by(FeedChunk.seq).execution_options(yield_per=1)):
        spool.write(data)
    spool.seek(0)


def import_upload(session: Session, supplier: Organization, actor: User,
                  stream: IO[bytes], content_type: str | None) -> tuple[int, bool]:
    """An uploaded feed (API or page): checked now, applied now or queued for a worker.

    Returns (feed import id, queued). A malformed file raises FeedRefused and records
    nothing.
    """
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        copy_stream(stream, spool)
        prepared = prepare_feed(session, supplier, actor, spool, content_type)
        if prepared.rows <= BACKGROUND_ROWS:
            apply_feed(session, supplier, actor, prepared)
            return prepared.feed_id, False
        feed = session.get(FeedImport, prepared.feed_id)
        assert feed is not None  # recorded by prepare_feed
        feed.size_bytes = store_upload(session, feed.id, spool)
        feed.status = FeedImportStatus.queued
        enqueue(session, FEED_IMPORT_JOB, {"feed_import_id": feed.id})
        session.commit()
        return feed.id, True


def _python_encoding(label: str) -> str:
    # prepare_feed stores "utf-8" for UTF-8 with or without a BOM.
    return "utf-8-sig" if label == "utf-8" else label


def run_import_job(session: Session, feed_id: int, on_batch: Callable[[], None],
                   final_attempt: bool) -> None:
    """Apply (or resume) a stored feed; commits per batch; the chunks go once it is done."""
    feed = session.get(FeedImport, feed_id)
    if feed is None or feed.status in (FeedImportStatus.completed, FeedImportStatus.failed):
        return  # deleted, or finished by an earlier run that died before closing its job
    supplier = session.get(Organization, feed.supplier_id)
    actor = session.get(User, feed.actor_user_id) if feed.actor_user_id else None
    assert supplier is not None  # organizations are never deleted
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        load_upload(session, feed.id, spool)
        encoding = _python_encoding(feed.encoding)
        rows, last_row = structure_pass(spool, feed.format, encoding)
        prepared = PreparedFeed(spool, feed.format, encoding, rows, last_row, feed.id)
        session.commit()  # end the read transaction before the long apply
        try:
            apply_feed(session, supplier, actor, prepared, source=feed.source,
                       on_batch=on_batch, fail_on_error=final_attempt)
        except Exception:
            if final_attempt:
                log.exception("feed import %s failed for good", feed_id)
            raise
    session.execute(delete(FeedChunk).where(FeedChunk.feed_import_id == feed_id))
    feed.finished_at = feed.finished_at or utcnow()
    session.commit()
