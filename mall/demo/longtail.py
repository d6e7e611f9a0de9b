"""Offers past the curated demo catalogue: long-tail brands and models, skewed prices.

A real e-mall's catalogue is a few well-known brands and a very long tail of small ones,
most items offered by one or two suppliers, most prices near the cheap end of the
category's range. The curated plan (``mall.demo.plan``) holds about 5,000 offers; this
module continues it to any size, in batches, so a million offers never sit in memory at once.
Deterministic: the same ``count`` and ``today`` give the same rows.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from mall.catalog.products import model_key
from mall.demo import data
from mall.demo.plan import (
    SEED,
    OfferPlan,
    ProductPlan,
    _display,
    _fill,
    _Generator,
    _money,
    _price_score,
    _sample_attributes,
)

# Syllables for made-up brand names, each as (Chinese, pinyin).
_SYLLABLES = (("华", "hua"), ("信", "xin"), ("达", "da"), ("通", "tong"), ("瑞", "rui"),
              ("博", "bo"), ("科", "ke"), ("联", "lian"), ("恒", "heng"), ("安", "an"),
              ("泰", "tai"), ("远", "yuan"), ("佳", "jia"), ("优", "you"), ("明", "ming"),
              ("新", "xin"), ("中", "zhong"), ("天", "tian"), ("威", "wei"), ("益", "yi"),
              ("智", "zhi"), ("创", "chuang"), ("锐", "rui"), ("兴", "xing"))
# Long-tail brands per leaf category; their popularity falls off as 1 / rank.
TAIL_BRANDS = 400
# Share of long-tail products that carry one of the category's curated (head) brands.
HEAD_BRAND_SHARE = 0.35


@dataclass
class TailBatch:
    """Products and their offers; ``offers[i][0]`` indexes ``products``."""

    products: list[ProductPlan] = field(default_factory=list)
    offers: list[tuple[int, OfferPlan]] = field(default_factory=list)


def _tail_brand(leaf_code: str, rank: int) -> tuple[str, str]:
    """The ``rank``-th made-up brand of a category, as (English, Chinese)."""
    digest = hashlib.sha256(f"{leaf_code}:{rank}".encode()).digest()
    parts = [_SYLLABLES[b % len(_SYLLABLES)] for b in digest[:2]]
    zh = "".join(p[0] for p in parts) + ("科技" if digest[2] % 2 else "")
    en = "".join(p[1] for p in parts).capitalize() + f" {digest[3] % 90 + 10}"
    return en, zh


def tail_offers(count: int, today: date, batch_offers: int = 10_000) -> Iterator[TailBatch]:
    """``count`` long-tail offers in batches of about ``batch_offers``."""
    gen = _Generator(0, today)
    gen.build_lots()
    rng = random.Random(SEED + 1)  # its own stream: the curated plan stays as it is
    leaves = list(data.LEAVES)
    # Cumulative weights once: random.choices would otherwise sum them on every draw.
    leaf_weights = list(accumulate(leaf.weight for leaf in leaves))
    ranks = range(1, TAIL_BRANDS + 1)
    brand_weights = list(accumulate(1 / rank for rank in ranks))
    made, serial = 0, 0
    batch = TailBatch()
    while made < count:
        leaf = rng.choices(leaves, cum_weights=leaf_weights)[0]
        lot = gen.lot_of_leaf[leaf.code]
        awarded = gen.awarded[lot.agreement]
        if rng.random() < HEAD_BRAND_SHARE:
            head = rng.choice(leaf.brands)
            brand_en, brand_zh = head.en, head.zh
        else:
            rank = rng.choices(ranks, cum_weights=brand_weights)[0]
            brand_en, brand_zh = _tail_brand(leaf.code, rank)
        serial += 1
        series = f"{brand_en[:2].upper()}{rng.randint(1, 9)}"
        model = f"{series}-{serial:07d}{rng.choice('ABCDEFGHJKLMNPRSTX')}"
        attrs = _sample_attributes(rng, leaf, {})
        batch.products.append(ProductPlan(leaf.code, brand_en, model,
                                          model_key(brand_en, model), None))
        product = len(batch.products) - 1
        lo, hi = leaf.price
        # Skewed towards the cheap end; premium attributes still cost more.
        position = 0.6 * rng.betavariate(1.3, 4.0) + 0.4 * _price_score(leaf, attrs)
        base = lo + (hi - lo) * min(max(position, 0.02), 1.0)
        values = {"brand_zh": brand_zh, "brand_en": brand_en, "series": series,
                  "model": model, **attrs}
        title, title_en = _fill(leaf.title_zh, values), _fill(leaf.title_en, values)
        specs = "；".join(f"{t['name_zh']}：{_display(attrs[t['key']])}{t['unit'] or ''}"
                         for t in leaf.attributes if t["key"] in attrs)
        sellers = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
        starts_on, ends_on = gen.agreement_dates(lot.agreement)
        for slug in sorted(rng.sample(awarded, min(sellers, len(awarded), count - made))):
            supplier = gen.suppliers[slug]
            price = min(_money(base * gen.supplier_factor[slug] * rng.uniform(0.95, 1.05)),
                        lot.ceiling_price)
            status, valid_until = gen.status_and_validity(starts_on, ends_on)
            batch.offers.append((product, OfferPlan(
                supplier=slug, sku=f"{supplier.sku_prefix}-{leaf.code}-T{serial:07d}",
                agreement=lot.agreement, lot=lot.code, category=leaf.code, product=product,
                title=title, title_en=title_en,
                description=f"{brand_zh} {model}。{specs}。价格含税、含运费。",
                brand=brand_en, model=model, gtin=None, unit=leaf.unit, price=price,
                stock=gen.stock(leaf), lead_time_days=rng.randint(*leaf.lead_days),
                regions=gen.regions(gen.agreements[lot.agreement], supplier.region),
                attributes=dict(attrs), valid_until=valid_until, status=status)))
            made += 1
        if len(batch.offers) >= batch_offers:
            yield batch
            batch = TailBatch()
    if batch.offers:
        yield batch


class StreamDigest:
    """SHA-256 over offers in the order they are generated (a million rows are not sorted)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, offer: OfferPlan) -> None:
        row = (offer.sku, str(offer.price), offer.status, offer.valid_until.isoformat(),
               offer.attributes)
        self._hash.update(json.dumps(row, sort_keys=True, ensure_ascii=False,
                                     default=str).encode())
        self._hash.update(b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
