"""Full rebuild into a fresh index, then one atomic alias swap, then a catch-up replay.

How a rebuild and concurrent syncs stay consistent (PostgreSQL):

1. Only one rebuild runs at a time (session advisory lock ``REBUILD``).
2. Just before streaming, the rebuild reads the database clock ``T0``; the streamed snapshot
   starts after ``T0``, so every change it cannot see commits after ``T0``.
3. Syncs keep writing to the alias (the old index) meanwhile; they stamp each event's
   ``processed_at`` with the database clock when they mark it done, which is after the
   event committed, hence after ``T0`` for every change the snapshot missed.
4. The swap happens under the exclusive sync gate: no sync batch is between "wrote to the
   old index" and "committed" at that moment, and batches after it write to the new index.
5. After the swap the rebuild re-applies every event applied since ``T0`` or still pending
   to the new index, from the current rows, under entity locks (so it never races a sync
   writing the same offer). A change committed during the rebuild is therefore in the new
   index when ``rebuild`` returns.

A failed or interrupted rebuild (any exception, KeyboardInterrupt included) deletes its
half-built index and leaves the alias untouched.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError
from sqlalchemy import text
from sqlalchemy.orm import Session

from indexer.locks import engine_of, is_postgres, rebuild_lock, sync_gate_exclusive
from indexer.offers import count_visible, offer_ids_for, stream_visible_offers
from indexer.sync import processed_since, write_offers
from mall.db import utcnow
from mall.outbox.services import enqueue
from mall.search.documents import build_document
from mall.search.index import index_body, new_index_name

log = logging.getLogger(__name__)


@dataclass
class RebuildResult:
    index: str
    documents: int
    previous: list[str]
    replayed: int = 0
    deleted_previous: list[str] = field(default_factory=list)


def _actions(session: Session, index: str, today: date,
             offers: Iterator[Any] | None = None) -> Iterator[dict[str, Any]]:
    for offer in offers if offers is not None else stream_visible_offers(session, today):
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": str(offer.id),
            "_source": build_document(offer),
            # External versions: a later write of an older row can never overwrite this.
            "version": offer.version,
            "version_type": "external_gte",
        }


def _send(client: OpenSearch, chunk: list[dict[str, Any]]) -> int:
    # helpers.bulk is hinted as Any; it answers (number of successful operations, errors).
    ok: int
    ok, _ = helpers.bulk(client, chunk, chunk_size=len(chunk), max_retries=3,
                         initial_backoff=1, raise_on_error=True, request_timeout=120)
    return ok


def _load(client: OpenSearch, actions: Iterator[dict[str, Any]], chunk_size: int, total: int,
          progress: Callable[[int, int], None] | None, in_flight: int = 1) -> int:
    """Bulk-load ``actions`` with up to ``in_flight`` bulk requests at once.

    The calling thread builds the next chunk while the pool's threads send earlier ones, so
    memory stays at ``in_flight + 1`` chunks. Chunks are settled oldest first; the database
    session is only ever used by the calling thread.
    """
    done = 0
    pending: deque[Future[int]] = deque()

    def settle_oldest() -> None:
        nonlocal done
        done += pending.popleft().result()
        if progress:
            progress(done, total)

    with ThreadPoolExecutor(max_workers=max(1, in_flight),
                            thread_name_prefix="rebuild-bulk") as pool:
        try:
            chunk: list[dict[str, Any]] = []
            for action in actions:
                chunk.append(action)
                if len(chunk) < chunk_size:
                    continue
                if len(pending) >= max(1, in_flight):
                    settle_oldest()
                pending.append(pool.submit(_send, client, chunk))
                chunk = []
            if chunk:
                pending.append(pool.submit(_send, client, chunk))
            while pending:
                settle_oldest()
        except BaseException:
            for future in pending:  # a failed stream or chunk: send nothing more
                future.cancel()
            raise
    if progress and done == 0:
        progress(0, total)
    return done


def bulk_in_flight(client: OpenSearch, configured: int = 0) -> int:
    """How many bulk requests a rebuild keeps in flight.

    ``configured`` (``MALL_INDEXER_BULK_IN_FLIGHT``) wins; otherwise the write thread pool
    of the smallest data node, which is how many bulk shards a node indexes at once, with
    at least 2 so that building a chunk and indexing one overlap.
    """
    if configured > 0:
        return configured
    try:
        pools = client.nodes.info(metric="thread_pool")["nodes"].values()
        writes = [node.get("thread_pool", {}).get("write", {}) for node in pools]
        sizes = [int(w.get("size") or w["max"]) for w in writes if w]
    except Exception:  # an older or restricted node: the safe default
        sizes = []
    return max(2, min(sizes)) if sizes else 2


def _db_now(session: Session) -> datetime:
    if is_postgres(session):
        now: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
        return now
    return utcnow()


def _current_layout(client: OpenSearch, alias: str) -> tuple[int, int]:
    """Keep the shard and replica counts the live index has (1 and 0 when there is none)."""
    try:
        settings = client.indices.get_settings(
            index=alias, name="index.number_of_shards,index.number_of_replicas")
    except NotFoundError:
        return 1, 0
    indices = [s["settings"]["index"] for s in settings.values()]
    if not indices:
        return 1, 0
    return (max(int(i.get("number_of_shards", 1)) for i in indices),
            max(int(i.get("number_of_replicas", 0)) for i in indices))


def rebuild(
    client: OpenSearch,
    session: Session,
    alias: str,
    today: date,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 1000,
    offers: Iterator[Any] | None = None,
    in_flight: int = 0,
    shards: int = 0,
) -> RebuildResult:
    """Build a new index from the database and point ``alias`` at it.

    ``offers`` replaces the database stream (tests use it to fail mid-stream);
    ``in_flight`` bulk requests at once (0: see :func:`bulk_in_flight`); ``shards`` for the
    new index (0: as many as the live one has, 1 for the first). Replicas follow the live
    index and are added after the load.
    """
    in_flight = bulk_in_flight(client, in_flight)
    with rebuild_lock(engine_of(session)) as lock_connection:
        return _rebuild(client, session, alias, today, progress, chunk_size, offers,
                        lock_connection, in_flight, shards)


def _rebuild(client: OpenSearch, session: Session, alias: str, today: date,
             progress: Callable[[int, int], None] | None, chunk_size: int,
             offers: Iterator[Any] | None, lock_connection: Any,
             in_flight: int, layout_shards: int) -> RebuildResult:
    name = new_index_name(alias)
    shards, replicas = _current_layout(client, alias)
    shards = layout_shards or shards
    session.rollback()  # a fresh transaction: the stream's snapshot starts after T0
    started_at = _db_now(session)
    total = count_visible(session, today)
    done = 0
    swapped = False
    try:
        # Load fast: no refreshes, no replicas; both restored before the index goes live.
        client.indices.create(index=name, body=index_body(replicas=0, refresh_interval="-1",
                                                          shards=shards))
        done = _load(client, _actions(session, name, today, offers), chunk_size, total,
                     progress, in_flight)
        session.rollback()  # end the long read transaction (closes the server-side cursor)
        client.indices.put_settings(index=name, body={"index": {
            "refresh_interval": "1s", "number_of_replicas": replicas}})
        client.indices.refresh(index=name)
        if replicas:
            client.cluster.health(index=name, wait_for_status="green", timeout="120s")
        with sync_gate_exclusive(lock_connection):
            previous = _swap_alias(client, alias, name)
            swapped = True
    except BaseException:
        session.rollback()
        if not swapped:
            log.error("rebuild failed; deleting %s, alias %s untouched", name, alias)
            client.indices.delete(index=name, ignore_unavailable=True)
        raise
    replayed = replay_since(client, session, alias, started_at, today)
    deleted = []
    for old in previous:
        client.indices.delete(index=old, ignore_unavailable=True)
        deleted.append(old)
    return RebuildResult(index=name, documents=done, previous=previous, replayed=replayed,
                         deleted_previous=deleted)


def replay_since(client: OpenSearch, session: Session, alias: str, since: datetime,
                 today: date, chunk: int = 500) -> int:
    """Re-apply to ``alias`` every offer touched by an event pending or applied since ``since``."""
    session.rollback()
    entities = processed_since(session, since)
    ids: set[int] = set()
    by_type: dict[str, set[int]] = {}
    for entity_type, entity_id in entities:
        by_type.setdefault(entity_type, set()).add(entity_id)
    for entity_type, entity_ids in by_type.items():
        try:
            ids |= offer_ids_for(session, entity_type, entity_ids)
        except ValueError:
            log.warning("replay skips unknown entity type %r", entity_type)
    ordered = sorted(ids)
    for start in range(0, len(ordered), chunk):
        try:
            write_offers(client, session, alias, ordered[start:start + chunk], today, wait=True)
            session.commit()  # releases the entity locks
        except BaseException:
            session.rollback()
            # The new index is live but may miss these changes: leave them to sync.
            enqueue(session, "offer", ordered[start:], "rebuild-replay")
            session.commit()
            log.error("replay failed; %d offers re-queued for sync", len(ordered) - start)
            raise
    return len(ordered)


def _swap_alias(client: OpenSearch, alias: str, new_index: str) -> list[str]:
    try:
        previous = sorted(client.indices.get_alias(name=alias).keys())
    except NotFoundError:  # the first build has no alias yet
        previous = []
    actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": alias}}
                                     for old in previous]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    # One request: searches see either the old index or the new one, never neither.
    client.indices.update_aliases(body={"actions": actions})
    return previous


def current_mapping_version(client: OpenSearch, alias: str) -> int | None:
    """The mapping version of the index behind ``alias``, or None when there is none."""
    try:
        mappings = client.indices.get_mapping(index=alias)
    except NotFoundError:
        return None
    versions = [m["mappings"].get("_meta", {}).get("mapping_version")
                for m in mappings.values()]
    return versions[0] if len(versions) == 1 else None
