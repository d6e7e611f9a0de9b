"""Loading offers with everything their documents need, in constant memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from mall.catalog.models import Agreement, Category, Offer
from mall.catalog.visibility import visible_clause


def _with_relations(query: Select[Offer]) -> Select[Offer]:
    # Only many-to-one joins in the streamed statement: a joined *collection* would need
    # ``.unique()``, which remembers every row and defeats streaming.
    return query.options(
        joinedload(Offer.supplier),
        joinedload(Offer.agreement).selectinload(Agreement.lots),
        joinedload(Offer.category).selectinload(Category.attributes),
        selectinload(Offer.lot),
    )


def stream_visible_offers(session: Session, today: date, batch: int = 1000) -> Iterator[Offer]:
    """Every offer purchasers may see, in id order, in constant memory.

    ``yield_per`` makes SQLAlchemy ask psycopg for a server-side (named) cursor on
    PostgreSQL, fetching ``batch`` rows at a time; each partition's offers are expunged
    once consumed so the identity map does not grow with the table.
    """
    query = _with_relations(select(Offer).where(visible_clause(today)).order_by(Offer.id))
    result = session.execute(query.execution_options(yield_per=batch))
    for partition in result.scalars().partitions(batch):
        yield from partition
        for offer in partition:
            session.expunge(offer)


def load_offers(session: Session, ids: Iterable[int]) -> dict[int, Offer]:
    """The current rows of these offers (re-read even if already in the session)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(
        _with_relations(select(Offer).where(Offer.id.in_(wanted)))
        # ``is_visible`` checks the agreement's awards: one query for the batch, not a lazy
        # load per agreement.
        .options(joinedload(Offer.agreement).selectinload(Agreement.awards))
        # The session keeps objects across commits (expire_on_commit=False); a document
        # must be built from the row as it is now, never from an older copy.
        .execution_options(populate_existing=True)
    )
    return {offer.id: offer for offer in rows}


def count_visible(session: Session, today: date) -> int:
    return session.scalar(select(func.count()).select_from(Offer).where(visible_clause(today))) or 0


_ENTITY_COLUMNS: dict[str, Any] = {
    "offer": None,
    "supplier": Offer.supplier_id,
    "organization": Offer.supplier_id,
    "agreement": Offer.agreement_id,
    "category": Offer.category_id,
    "product": Offer.product_id,
}


def offer_ids_by_entity(session: Session, entity_type: str,
                        entity_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each entity an outbox event is about, the offers whose documents it affects.

    One query for all the entities of one type.
    """
    ids = set(entity_ids)
    if not ids:
        return {}
    if entity_type not in _ENTITY_COLUMNS:
        raise ValueError(f"unknown outbox entity type {entity_type!r}")
    column = _ENTITY_COLUMNS[entity_type]
    if column is None:
        return {i: {i} for i in ids}
    affected: dict[int, set[int]] = {i: set() for i in ids}
    for entity_id, offer_id in session.execute(select(column, Offer.id).where(column.in_(ids))):
        affected[entity_id].add(offer_id)
    return affected


def offer_ids_for(session: Session, entity_type: str, entity_ids: Iterable[int]) -> set[int]:
    """The offers whose documents outbox events about these entities affect."""
    return set().union(*offer_ids_by_entity(session, entity_type, entity_ids).values())
