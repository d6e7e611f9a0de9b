"""Draining the outbox into the index, in order, acknowledging only what OpenSearch accepted.

Guarantees (PostgreSQL):

- Rows are taken ``FOR UPDATE SKIP LOCKED`` and marked done in the *same* transaction, after
  the bulk request was acknowledged; so concurrent syncs share the work, a crash or an
  OpenSearch outage leaves the rows pending (retried later), and nothing is done twice.
- Every batch holds the shared sync gate (see ``indexer.locks``) so a rebuild can swap the
  alias between batches, never during one.
- Each offer's entity lock is held from reading its row until the bulk is acknowledged, so
  two writers of one document are serialised; documents carry ``offer.version`` as an
  external version (``external_gte``), so even a writer outside this protocol with older
  data cannot overwrite a newer document.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from opensearchpy import OpenSearch, helpers
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from indexer.locks import enter_sync_gate, is_postgres, lock_entities
from indexer.offers import load_offers, offer_ids_by_entity
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.outbox.models import OutboxEvent
from mall.search.client import UNAVAILABLE_ERRORS, TransportError
from mall.search.documents import document_or_none

log = logging.getLogger(__name__)


_CURRENT_VERSION = re.compile(r"current version \[(\d+)\]")


class IndexingError(RuntimeError):
    """OpenSearch refused some operations for a reason other than 'a newer one is there'."""


# A batch's write failed: recorded on its events, then raised.
WRITE_ERRORS: tuple[type[BaseException], ...] = (IndexingError, *UNAVAILABLE_ERRORS,
                                                 TransportError)


@dataclass
class WriteResult:
    indexed: int = 0
    deleted: int = 0
    # Operations refused because the index already holds a newer version: nothing to do.
    stale: int = 0
    deferred: set[int] = field(default_factory=set)
    # offer id -> the version the index holds (when OpenSearch said), for refused writes
    conflicts: dict[int, int | None] = field(default_factory=dict)
    # offer id -> why OpenSearch rejected its document for good (e.g. a mapping error):
    # retrying the same document cannot help, so it must not hold up the others.
    rejected: dict[int, str] = field(default_factory=dict)


def actions_for(offers: dict[int, Offer], ids: Iterable[int], index: str,
                today: date) -> list[dict[str, Any]]:
    """Bulk actions making the index agree with these offers' current rows."""
    actions: list[dict[str, Any]] = []
    for offer_id in sorted(set(ids)):
        offer = offers.get(offer_id)
        if offer is None:  # the row is gone altogether
            actions.append({"_op_type": "delete", "_index": index, "_id": str(offer_id)})
            continue
        document = document_or_none(offer, today)
        if document is not None:
            actions.append({"_op_type": "index", "_index": index, "_id": str(offer_id),
                            "_source": document, "version": offer.version,
                            "version_type": "external_gte"})
        else:
            # Versioned delete: a delete built from an older row cannot remove a newer doc.
            actions.append({"_op_type": "delete", "_index": index, "_id": str(offer_id),
                            "version": offer.version, "version_type": "external_gte"})
    return actions


def apply_actions(client: OpenSearch, actions: list[dict[str, Any]],
                  refresh: bool | str = False) -> WriteResult:
    """Send one bulk request to an alias; raise unless every operation succeeded or was
    superseded by a newer version."""
    result = WriteResult()
    if not actions:
        return result
    # require_alias: writing to a missing alias must fail, not auto-create a concrete index
    # with a guessed mapping that would then block every later alias swap.
    _, errors = helpers.bulk(client, actions, raise_on_error=False, raise_on_exception=True,
                             max_retries=0, refresh=refresh, chunk_size=len(actions),
                             require_alias=True)
    failed: dict[str, int] = {}
    for error in errors:
        op, item = next(iter(error.items()))
        status = item.get("status")
        failed[str(item.get("_id"))] = status
        if status == 409:  # version conflict: the index already has something newer
            result.stale += 1
            found = _CURRENT_VERSION.search(str(item.get("error", {}).get("reason", "")))
            result.conflicts[int(item["_id"])] = int(found.group(1)) if found else None
        elif status == 404 and op == "delete" and "error" not in item:  # already absent
            pass
        elif status in (400, 413) and item.get("error", {}).get("type") != \
                "index_not_found_exception":
            result.rejected[int(item["_id"])] = str(item.get("error"))[:500]
        else:  # unavailable, overloaded, no alias: the whole batch is retried later
            raise IndexingError(f"{len(errors)} index operations failed, e.g. {error}")
    for action in actions:
        if action["_id"] in failed:
            continue
        if action["_op_type"] == "delete":
            result.deleted += 1
        else:
            result.indexed += 1
    return result


def write_offers(client: OpenSearch, session: Session, index: str, offer_ids: Iterable[int],
                 today: date, wait: bool = True, refresh: bool | str = False) -> WriteResult:
    """Make ``index`` agree with the current rows of these offers, under their entity locks.

    Runs inside the caller's transaction; the locks are released when it ends. With
    ``wait=False`` offers locked by another writer are returned in ``deferred``.
    """
    ids = set(offer_ids)
    held = lock_entities(session, ids, wait=wait)
    offers = load_offers(session, held)
    result = apply_actions(client, actions_for(offers, held, index, today), refresh=refresh)
    result.deferred = ids - held
    return result


@dataclass
class SyncBatch:
    events: int = 0
    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    deferred: int = 0
    rejected: int = 0

    def add(self, other: SyncBatch) -> None:
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


def _pending(session: Session, limit: int) -> list[OutboxEvent]:
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if is_postgres(session):
        # Several sync processes share the work without taking the same rows; the locks
        # last until this transaction commits, i.e. until the rows are marked done.
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query.execution_options(populate_existing=True)))


def _now_expr(session: Session) -> Any:
    # The database clock, read at UPDATE time (not transaction start): a rebuild compares it
    # with its own snapshot time to find events a sync applied to the old index.
    return func.clock_timestamp() if is_postgres(session) else utcnow()


def sync_batch(
    client: OpenSearch, session: Session, alias: str, today: date, limit: int = 500
) -> SyncBatch:
    """Apply one batch of pending events; mark them done only after OpenSearch acknowledged."""
    session.rollback()  # start a fresh transaction: the gate must cover the whole batch
    try:
        enter_sync_gate(session)
        events = _pending(session, limit)
        if not events:
            session.rollback()
            return SyncBatch()
        by_type: dict[str, list[OutboxEvent]] = {}
        for event in events:
            by_type.setdefault(event.entity_type, []).append(event)
        affected: dict[int, set[int]] = {}
        unknown: list[OutboxEvent] = []
        for entity_type, typed in by_type.items():  # one query per entity type, not per event
            try:
                offers = offer_ids_by_entity(session, entity_type, {e.entity_id for e in typed})
            except ValueError:
                unknown.extend(typed)
                continue
            for event in typed:
                affected[event.id] = offers[event.entity_id]
        all_ids = set().union(*affected.values()) if affected else set()
        try:
            written = write_offers(client, session, alias, all_ids, today, wait=False)
        except WRITE_ERRORS as exc:
            _record_failure(session, events, exc)
            raise
        unknown_ids = {u.id for u in unknown}
        rejected = [e for e in events if e.id not in unknown_ids
                    and affected[e.id] & set(written.rejected)]
        done = [e for e in events if e.id not in unknown_ids and e not in rejected
                and not affected[e.id] & written.deferred]
        # Unknown entity types can never be applied; mark them done with the reason.
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([e.id for e in done + unknown]))
            .values(processed_at=_now_expr(session), attempts=OutboxEvent.attempts + 1,
                    last_error=None)
        )
        for event in unknown:
            event.last_error = f"unknown entity type {event.entity_type!r}; skipped"
        # Rejected documents stay pending with the reason (status shows them as failing);
        # the rest of the batch goes through.
        for event in rejected:
            event.attempts += 1
            reasons = [written.rejected[i] for i in sorted(affected[event.id] &
                                                           set(written.rejected))]
            event.last_error = f"rejected by OpenSearch: {reasons[0]}"[:2000]
            log.error("outbox event %s: document rejected: %s", event.id, reasons[0])
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return SyncBatch(len(done) + len(unknown), written.indexed, written.deleted, written.stale,
                     len(events) - len(done) - len(unknown) - len(rejected), len(rejected))


def _record_failure(session: Session, events: list[OutboxEvent], exc: BaseException) -> None:
    """Count the attempt and keep the error, leaving the rows pending; ends the transaction."""
    try:
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([e.id for e in events]))
            .values(attempts=OutboxEvent.attempts + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000])
        )
        session.commit()
    except Exception:  # recording the failure must never hide the original one
        session.rollback()
        log.exception("could not record sync failure")


def drain(client: OpenSearch, session: Session, alias: str, today: date,
          limit: int = 500) -> SyncBatch:
    """Apply pending events batch after batch until none is left (or all are deferred)."""
    total = SyncBatch()
    while True:
        batch = sync_batch(client, session, alias, today, limit)
        total.add(batch)
        total.deferred = batch.deferred  # still waiting after the last pass
        total.rejected = batch.rejected
        if batch.events == 0:
            return total


RETRYABLE: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, TransportError,
                                              IndexingError)


@dataclass
class Backoff:
    """Exponential backoff, capped: 0.5 s, 1 s, 2 s ... up to ``cap``."""

    initial: float = 0.5
    cap: float = 30.0
    factor: float = 2.0

    def delay(self, failures: int) -> float:
        return min(self.cap, self.initial * self.factor ** max(failures - 1, 0))


def run(
    client: OpenSearch,
    session: Session,
    alias: str,
    today: Callable[[], date] = date.today,
    *,
    watch: bool = False,
    interval: float = 1.0,
    limit: int = 500,
    backoff: Backoff | None = None,
    max_failures: int | None = None,
    periodic: list[tuple[float, Callable[[], Any]]] | None = None,
    on_batch: Callable[[SyncBatch], None] | None = None,
    on_retry: Callable[[int, float, BaseException], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
) -> SyncBatch:
    """Drain the outbox, retrying while OpenSearch is unreachable.

    Without ``watch`` it returns once the outbox is empty; with it, it polls every
    ``interval`` seconds and runs each ``periodic`` job (e.g. expiry) every N seconds.
    ``max_failures`` consecutive failures re-raise the last error (None: retry forever).
    """
    backoff = backoff or Backoff()
    total = SyncBatch()
    failures = 0
    last_run: dict[int, float] = {}
    while not should_stop():
        for i, (every, job) in enumerate(periodic or []):
            if time.monotonic() - last_run.get(i, float("-inf")) >= every:
                try:
                    job()
                    last_run[i] = time.monotonic()
                except Exception:
                    log.exception("periodic job failed; retrying next round")
        try:
            batch = drain(client, session, alias, today(), limit)
        except RETRYABLE as exc:
            failures += 1
            if max_failures is not None and failures >= max_failures:
                raise
            delay = backoff.delay(failures)
            log.warning("sync failed (%s); retry %d in %.1fs", exc, failures, delay)
            if on_retry:
                on_retry(failures, delay, exc)
            sleep(delay)
            continue
        failures = 0
        total.add(batch)
        if on_batch and batch.events:
            on_batch(batch)
        if not watch:
            return total
        sleep(interval)
    return total


def processed_since(session: Session, since: datetime) -> set[tuple[str, int]]:
    """(entity_type, entity_id) of events still pending or applied at or after ``since``."""
    rows = session.execute(
        select(OutboxEvent.entity_type, OutboxEvent.entity_id).distinct()
        .where((OutboxEvent.processed_at.is_(None)) | (OutboxEvent.processed_at >= since))
    )
    return {(t, i) for t, i in rows}
