"""Writing long-tail batches fast: ``COPY`` on PostgreSQL, batched inserts elsewhere.

Ids are assigned here from the table's current maximum (the seeder only runs on an empty
marketplace, inside its one transaction), so products, offers and their first price-history
row go in as three streams per batch with no round trip per row; the sequences are moved
past the new ids at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from mall.catalog.models import Offer, PriceChange, PriceSource, Product
from mall.demo.longtail import StreamDigest, TailBatch

PRODUCT_COLUMNS = ("id", "category_id", "brand", "model", "model_key", "gtin", "created_at")
OFFER_COLUMNS = ("id", "supplier_id", "sku", "agreement_id", "lot_id", "category_id",
                 "product_id", "title", "title_en", "description", "brand", "model", "gtin",
                 "unit", "price", "currency", "stock", "lead_time_days", "regions",
                 "attributes", "valid_until", "status", "version", "created_at", "updated_at")
PRICE_COLUMNS = ("offer_id", "old_price", "new_price", "source", "status", "changed_at")


class Ids:
    """What the batches refer to by name: organizations, agreements, lots, categories."""

    def __init__(self, orgs: dict[str, int], agreements: dict[str, tuple[int, str]],
                 lots: dict[tuple[str, str], int], categories: dict[str, int]) -> None:
        self.orgs, self.agreements, self.lots, self.categories = orgs, agreements, lots, categories


def write_tail(session: Session, batches: Iterable[TailBatch], ids: Ids,
               progress: Callable[[int], None] | None = None) -> tuple[int, int, str]:
    """Write every batch; answers (products, offers, digest of the offers)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    next_product = (session.scalar(select(func.max(Product.id))) or 0) + 1
    next_offer = (session.scalar(select(func.max(Offer.id))) or 0) + 1
    now = datetime.now(UTC)
    digest = StreamDigest()
    products = offers = 0
    for batch in batches:
        product_rows = [
            (next_product + i, ids.categories[p.category], p.brand, p.model, p.model_key,
             p.gtin, now) for i, p in enumerate(batch.products)]
        offer_rows, price_rows = [], []
        for n, (product, o) in enumerate(batch.offers):
            agreement_id, currency = ids.agreements[o.agreement]
            offer_id = next_offer + n
            offer_rows.append((
                offer_id, ids.orgs[o.supplier], o.sku, agreement_id,
                ids.lots[(o.agreement, o.lot)], ids.categories[o.category],
                next_product + product, o.title, o.title_en, o.description, o.brand, o.model,
                o.gtin, o.unit, o.price, currency, o.stock, o.lead_time_days,
                json.dumps(list(o.regions)), json.dumps(o.attributes, ensure_ascii=False),
                o.valid_until, o.status, 1, now, now))
            price_rows.append((offer_id, None, o.price, PriceSource.seed.value, "applied", now))
            digest.add(o)
        write = _copy if postgres else _insert
        write(session, Product.__table__, PRODUCT_COLUMNS, product_rows)
        write(session, Offer.__table__, OFFER_COLUMNS, offer_rows)
        write(session, PriceChange.__table__, PRICE_COLUMNS, price_rows)
        next_product += len(product_rows)
        next_offer += len(offer_rows)
        products += len(product_rows)
        offers += len(offer_rows)
        if progress:
            progress(len(offer_rows))
    if postgres:
        for table in ("products", "offers"):
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"))
    return products, offers, digest.hexdigest()


def _copy(session: Session, table: Any, columns: Sequence[str],
          rows: list[tuple[Any, ...]]) -> None:
    # The ORM session's own connection and transaction: the seed stays one transaction.
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(session: Session, table: Any, columns: Sequence[str],
            rows: list[tuple[Any, ...]]) -> None:
    json_columns = {"regions", "attributes"}
    dicts = [{c: json.loads(v) if c in json_columns else v for c, v in zip(columns, row,
                                                                          strict=True)}
             for row in rows]
    for start in range(0, len(dicts), 1000):
        session.execute(insert(table), dicts[start:start + 1000])
