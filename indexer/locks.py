"""PostgreSQL advisory locks that keep rebuilds, syncs and repairs from racing.

Three locks, all no-ops on SQLite (one process, no concurrency to guard):

- ``REBUILD``: session lock; at most one rebuild runs at a time.
- ``SYNC_GATE``: every sync batch holds it *shared* for its whole transaction (from reading
  the outbox to marking rows done); a rebuild takes it *exclusive* around the alias swap, so
  when the swap happens no batch is half-way through writing to the old index.
- entity locks (two-key space ``(ENTITY_NS, offer_id)``), transaction-scoped: whoever writes
  an offer's document holds its lock from reading the row until OpenSearch acknowledged, so
  two writers of one offer are serialised and the later reader is always the later writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from mall.locks import INDEXER_ENTITY_NS, INDEXER_REBUILD, INDEXER_SYNC_GATE

# The keys are listed with every other lock of the system in ``mall.locks``.
REBUILD = INDEXER_REBUILD
SYNC_GATE = INDEXER_SYNC_GATE
ENTITY_NS = INDEXER_ENTITY_NS


def is_postgres(session_or_bind: Session | Connection | Engine) -> bool:
    bind = (session_or_bind.get_bind() if isinstance(session_or_bind, Session)
            else session_or_bind)
    return bind.dialect.name == "postgresql"


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


class RebuildInProgress(RuntimeError):
    """Another process holds the rebuild lock."""


@contextmanager
def rebuild_lock(engine: Engine) -> Iterator[Connection | None]:
    """Hold the rebuild lock on a dedicated connection for the whole rebuild.

    Yields that connection (None on SQLite) so the caller can take the sync gate on it.
    """
    if engine.dialect.name != "postgresql":
        yield None
        return
    connection = engine.connect()
    try:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": REBUILD}).scalar()
        connection.commit()
        if not got:
            raise RebuildInProgress("another rebuild is running (advisory lock held)")
        try:
            yield connection
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REBUILD})
            connection.commit()
    finally:
        connection.close()


@contextmanager
def sync_gate_exclusive(connection: Connection | None) -> Iterator[None]:
    """Wait for in-flight sync batches to commit and keep new ones out meanwhile."""
    if connection is None:
        yield
        return
    connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SYNC_GATE})
    connection.commit()
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SYNC_GATE})
        connection.commit()


def enter_sync_gate(session: Session) -> None:
    """Shared gate for the current transaction (released at commit or rollback)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": SYNC_GATE})


def lock_entities(session: Session, ids: Iterable[int], wait: bool) -> set[int]:
    """Take the transaction-scoped lock of each offer id; return the ids we now hold.

    ``wait=False`` skips ids another transaction holds (sync leaves those events for later);
    ``wait=True`` blocks until each is free (in id order, so waiters never deadlock).
    """
    wanted = sorted(set(ids))
    if not wanted or not is_postgres(session):
        return set(wanted)
    if wait:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, x) FROM unnest(CAST(:ids AS int[])) AS x "
                 "ORDER BY x"), {"ns": ENTITY_NS, "ids": wanted})
        return set(wanted)
    rows = session.execute(
        text("SELECT x, pg_try_advisory_xact_lock(:ns, x) FROM unnest(CAST(:ids AS int[])) "
             "AS x ORDER BY x"), {"ns": ENTITY_NS, "ids": wanted})
    return {x for x, got in rows if got}
