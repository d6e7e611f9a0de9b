"""Comparing the database's visible offers with the index, and repairing the difference."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from indexer.locks import is_postgres
from indexer.sync import write_offers
from mall.catalog.models import Offer
from mall.catalog.visibility import visible_clause

CENT = Decimal("0.01")
# What a document must agree with the database on.
FIELDS = ("price", "currency", "stock", "in_stock", "version")


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)   # visible in the DB, absent from the index
    extra: list[int] = field(default_factory=list)     # in the index, not visible in the DB
    stale: dict[int, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # field: (db, index)
    checked: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)

    def lines(self, limit: int = 50) -> list[str]:
        out = [f"checked {self.checked} visible offers: {len(self.missing)} missing, "
               f"{len(self.extra)} extra, {len(self.stale)} stale"]
        out += [f"missing offer {i}" for i in self.missing[:limit]]
        out += [f"extra offer {i} (not visible in the database)" for i in self.extra[:limit]]
        for offer_id, fields in list(self.stale.items())[:limit]:
            diffs = ", ".join(f"{k}: db={d!r} index={x!r}" for k, (d, x) in fields.items())
            out.append(f"stale offer {offer_id}: {diffs}")
        return out


def _db_rows(session: Session, today: date) -> dict[int, dict[str, Any]]:
    rows = session.execute(
        select(Offer.id, Offer.price, Offer.currency, Offer.stock, Offer.version)
        .where(visible_clause(today)).execution_options(yield_per=5000)
    )
    return {
        r.id: {"price": Decimal(r.price).quantize(CENT), "currency": r.currency,
               "stock": r.stock, "in_stock": r.stock > 0, "version": r.version}
        for r in rows
    }


def _index_rows(client: OpenSearch, alias: str) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for hit in helpers.scan(client, index=alias, size=2000, scroll="2m",
                            query={"query": {"match_all": {}},
                                   "_source": {"includes": list(FIELDS)}}):
        src = hit.get("_source", {})
        price = src.get("price")
        out[int(hit["_id"])] = {
            "price": Decimal(str(price)).quantize(CENT) if price is not None else None,
            "currency": src.get("currency"), "stock": src.get("stock"),
            "in_stock": src.get("in_stock"), "version": src.get("version"),
        }
    return out


class NoIndex(RuntimeError):
    """The alias does not exist: build the index first (``mall-indexer rebuild``)."""


def verify(client: OpenSearch, session: Session, alias: str, today: date) -> Drift:
    try:
        client.indices.refresh(index=alias)  # compare with what a search would see now
    except NotFoundError as exc:
        raise NoIndex(f"no index behind {alias!r}; run `mall-indexer rebuild`") from exc
    db_rows = _db_rows(session, today)
    session.rollback()
    index_rows = _index_rows(client, alias)
    drift = Drift(checked=len(db_rows))
    drift.missing = sorted(set(db_rows) - set(index_rows))
    drift.extra = sorted(set(index_rows) - set(db_rows))
    for offer_id in sorted(set(db_rows) & set(index_rows)):
        d, x = db_rows[offer_id], index_rows[offer_id]
        diffs = {k: (d[k], x[k]) for k in FIELDS if d[k] != x[k]}
        if diffs:
            drift.stale[offer_id] = diffs
    return drift


def repair(client: OpenSearch, session: Session, alias: str, drift: Drift, today: date,
           chunk: int = 500) -> int:
    """Rewrite every drifted offer from its current row (deleting those not visible).

    A write the index refuses because it holds a *higher* version than the database (a
    document or tombstone written outside the indexer, a restored database) would be refused
    forever, and so would every later sync of that offer: the offer's version is raised
    above the index's, then the document is written again.
    """
    ids = sorted(set(drift.missing) | set(drift.extra) | set(drift.stale))
    for start in range(0, len(ids), chunk):
        try:
            part = ids[start:start + chunk]
            result = write_offers(client, session, alias, part, today, wait=True)
            if result.conflicts:
                for offer_id, index_version in result.conflicts.items():
                    session.execute(
                        update(Offer).where(Offer.id == offer_id)
                        .values(version=func.greatest(Offer.version, index_version or 0) + 1
                                if is_postgres(session)
                                else func.max(Offer.version, index_version or 0) + 1)
                    )
                write_offers(client, session, alias, list(result.conflicts), today, wait=True)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    client.indices.refresh(index=alias)
    return len(ids)
