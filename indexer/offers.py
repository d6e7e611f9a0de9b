"""Loading offers with everything their documents need, in constant memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from mall.catalog.models import Agreement, Category, Offer
from mall.catalog.visibility import visible_clause


def _with_relations(query):  # type: ignore[no-untyped-def]
    return query.options(
        joinedload(Offer.supplier),
        joinedload(Offer.agreement).selectinload(Agreement.lots),
        joinedload(Offer.category).selectinload(Category.attributes),
        selectinload(Offer.lot),
    )


def stream_visible_offers(session: Session, today: date, batch: int = 1000) -> Iterator[Offer]:
    """Every offer purchasers may see, streamed with a server-side cursor where available."""
    query = _with_relations(select(Offer).where(visible_clause(today)).order_by(Offer.id))
    result = session.execute(query.execution_options(yield_per=batch))
    for partition in result.unique().scalars().partitions(batch):
        yield from partition
        session.expunge_all()


def load_offers(session: Session, ids: Iterable[int]) -> dict[int, Offer]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.scalars(_with_relations(select(Offer).where(Offer.id.in_(wanted)))).unique()
    return {offer.id: offer for offer in rows}


def count_visible(session: Session, today: date) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(Offer).where(visible_clause(today))) or 0
