"""Appending to and verifying the hash-chained audit trail."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mall.audit.digest import BATCH_ACTION, batch_digest
from mall.audit.models import AuditEvent
from mall.db import utcnow
from mall.locks import lock_audit_chain

GENESIS_HASH = "0" * 64
# The last event's hash (every append reads it); built once.
_CHAIN_HEAD = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)

# Called with each event right after it is appended, in the caller's transaction: other
# areas derive things from the trail (the inbox) without this module importing them.
Listener = Callable[[Session, AuditEvent], None]
_LISTENERS: list[Listener] = []


def add_listener(listener: Listener) -> None:
    """Register ``listener`` (once, however often an app is created)."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def _dispatch(session: Session, event: AuditEvent) -> None:
    for listener in _LISTENERS:
        listener(session, event)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def _digest(prev_hash: str, event: AuditEvent) -> str:
    occurred = event.occurred_at
    if occurred.tzinfo is None:  # SQLite drops the offset; stored values are UTC
        occurred = occurred.replace(tzinfo=UTC)
    payload = {
        "prev": prev_hash,
        "at": occurred.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_user_id,
        "org": event.actor_organization_id,
        "action": event.action,
        "target": [event.target_type, event.target_id],
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _chain_head(session: Session) -> str:
    """Lock the chain for this transaction and return its last hash.

    Appends are serialised (an advisory lock on PostgreSQL; SQLite writes one at a time) so
    the chain stays linear even with concurrent writers. It is the last lock of
    ``mall.locks``' order: record audit events after every row lock is taken.
    """
    session.flush()  # earlier events of this transaction come first in the chain
    held = session.info.get(_HEAD)
    if held is not None and held[0] is session.get_transaction():
        return str(held[1])  # locked already in this transaction; its last event is the head
    lock_audit_chain(session)
    prev = session.scalar(_CHAIN_HEAD)
    return prev or GENESIS_HASH


# (transaction, hash of its last event): a decision that records several events locks the
# chain and reads its head once. Forgotten whenever a transaction or savepoint ends, so a
# rolled-back event is never a head.
_HEAD = "audit_chain_head"


def _remember_head(session: Session, event: AuditEvent) -> None:
    session.info[_HEAD] = (session.get_transaction(), event.hash)


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, _transaction: Any) -> None:
    session.info.pop(_HEAD, None)


def _chained_event(prev: str, *, action: str, target_type: str, target_id: Any,
                   actor: Any = None, before: dict[str, Any] | None = None,
                   after: dict[str, Any] | None = None,
                   reason: str | None = None) -> AuditEvent:
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_user_id=getattr(actor, "id", None),
        actor_organization_id=getattr(actor, "organization_id", None),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
        prev_hash=prev,
    )
    event.hash = _digest(prev, event)
    return event


def record(session: Session, **entry: Any) -> AuditEvent:
    """Append one event in the caller's transaction.

    Keywords: ``action``, ``target_type``, ``target_id``, and optionally ``actor`` (a User;
    None for the system), ``before``, ``after``, ``reason``.
    """
    event = _chained_event(_chain_head(session), **entry)
    session.add(event)
    session.flush()
    _remember_head(session, event)
    _dispatch(session, event)
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def verify_chain(session: Session, batch: int = 5000) -> Iterator[ChainBreak]:
    """Yield every place where the stored chain does not recompute."""
    expected_prev = GENESIS_HASH
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(batch):
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.id, "previous hash does not match: a row was deleted or "
                                       "reordered before this one")
        if _digest(event.prev_hash, event) != event.hash:
            yield ChainBreak(event.id, "content does not match its hash: the row was edited")
        if event.action == BATCH_ACTION and (problem := _batch_problem(session, event)):
            yield ChainBreak(event.id, problem)
        expected_prev = event.hash


def _batch_problem(session: Session, event: AuditEvent) -> str | None:
    """A batch event's rows must still recompute to the digest the chain holds."""
    after = event.after or {}
    count, digest = batch_digest(session, str(after.get("batch_key")))
    if count != after.get("rows") or digest != after.get("digest"):
        return ("the batch's rows do not match its digest: a row of audit_batch_rows was "
                "edited, added or deleted")
    return None


def record_many(session: Session, entries: list[dict[str, Any]]) -> int:
    """Append several events (each the keyword arguments of ``record``) in one statement.

    Rows go in with one executemany in list order, so their ids ascend in chain order; bulk
    writers (supplier feeds) would otherwise pay several round trips per event.
    """
    if not entries:
        return 0
    prev = _chain_head(session)
    rows = []
    events = []
    for entry in entries:
        event = _chained_event(prev, **entry)
        prev = event.hash
        rows.append({column: getattr(event, column) for column in _AUDIT_COLUMNS})
        events.append(event)
    # On the session's connection: the ORM would only pass the rows through (nothing is
    # loaded back), and _chain_head has just flushed.
    session.connection().execute(insert(AuditEvent), rows)
    _remember_head(session, events[-1])
    for event in events:  # as chained, not loaded back: listeners see no id
        _dispatch(session, event)
    return len(rows)


_AUDIT_COLUMNS = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]
