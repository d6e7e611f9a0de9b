"""Every lock the app takes, its key, and the one order in which they are acquired.

Two transactions that take the same locks in the same order cannot deadlock, so every
write path takes what it needs in this order, never another:

0. **a joint purchase's row** (``mall.joint``: commit, withdraw, close, award), before
   everything below; its award then takes every participant's level-1 locks in key order.
1. **(purchaser organization, category)** advisory locks, in sorted key order
   (``lock_purchaser_categories``): serialise cumulative-threshold checks.
2. **rotation turns** (one ``rotation_turns`` row per agreement and product, when rotation
   assigns an order; in (agreement, product) order: ``mall.orders.services.rotation``).
   Then **a competition's row** (award, closing, cancelling, the panel draw, scoring), then
   its **panel members** (one expert's scores).
3. **offer rows**, in offer-id order (``locked_in_id_order``; the catalog's
   ``lock_offers`` and ``lock_offers_by_sku`` use it); a price
   review locks its offer first, then the price change (``PriceChange`` rows belong to the
   offer and are only touched while the offer is held).
4. **payment rows** (one order's payment, then its refunds).
5. **the audit chain** last (``lock_audit_chain``): every audit append takes it, so
   nothing else may be locked after an audit event has been recorded.

The indexer's own locks (rebuild, sync gate, per-offer document locks) live in a separate
key space (``INDEXER_*``) and are never held by a web request.

PostgreSQL only: SQLite serialises writers on its own, so each function is a no-op there.
A deadlock victim or serialization failure that still happens (another process, a path not
yet following this order) is retried a bounded number of times (``run_with_retry``) and then
answered 409 ``conflict_retry``, never 503.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mall.errors import ConflictRetry, is_transient_conflict
from mall.i18n import N_

log = logging.getLogger(__name__)
T = TypeVar("T")

# Advisory-lock keys (bigint). Constants are arbitrary but fixed; the two-key space is used
# for per-entity locks so they cannot collide with single-key locks.
AUDIT_CHAIN = 7_302_001
INDEXER_REBUILD = 7_305_001
INDEXER_SYNC_GATE = 7_305_002
INDEXER_ENTITY_NS = 7305

RETRY_ATTEMPTS = 3

# Every decision takes these; built once (parsing a text() costs more than the lock).
_ADVISORY_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def purchaser_category_key(organization_id: int, category_id: int) -> int:
    """A signed 64-bit advisory-lock key for one (purchaser organization, category) pair."""
    digest = hashlib.sha256(f"mall.cumulative:{organization_id}:{category_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_purchaser_categories(session: Session, organization_id: int,
                              category_ids: Iterable[int]) -> None:
    """Level 1: serialise cumulative checks per (organization, category) until commit.

    Keys are taken in sorted order so two multi-category requisitions cannot deadlock; they
    are held until commit, so a later check sees this requisition's lines.
    """
    if not is_postgres(session):
        return
    for key in sorted({purchaser_category_key(organization_id, c) for c in category_ids}):
        session.execute(_ADVISORY_XACT_LOCK, {"key": key})


def locked_in_id_order(session: Session, query: Select[Any], entity: Any,
                       key_share: bool = False) -> Sequence[Any]:
    """Level 3 (and any row level): the rows of ``query`` locked in ``entity.id`` order.

    Rows are re-read from the database (``populate_existing``) so the caller decides on
    what is stored now, not on a copy loaded before the lock.
    """
    return session.scalars(
        query.order_by(entity.id).with_for_update(of=entity, key_share=key_share)
        .execution_options(populate_existing=True)).all()


def for_update(query: Select[Any]) -> Select[Any]:
    """``query`` taking row locks, re-reading the rows so the caller sees what is stored now."""
    return query.with_for_update().execution_options(populate_existing=True)


def lock_audit_chain(session: Session) -> None:
    """Level 5: serialise audit appends for this transaction (always the last lock taken)."""
    if is_postgres(session):
        session.execute(_ADVISORY_XACT_LOCK, {"key": AUDIT_CHAIN})


def run_with_retry(work: Callable[[], T], rollback: Callable[[], None],
                   attempts: int = RETRY_ATTEMPTS) -> T:
    """Run ``work``; after a transient conflict roll back and run it again, at most ``attempts``.

    When every attempt lost, ``ConflictRetry`` (409) tells the client to try again later.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if not is_transient_conflict(exc):
                raise
            rollback()
            log.warning("transient database conflict (attempt %s of %s): %s", attempt,
                        attempts, getattr(exc.orig, "sqlstate", exc.orig))
    raise ConflictRetry(N_("The change collided with another one at the same moment; "
                        "nothing was saved. Send it again."),
                        details={"attempts": attempts})
