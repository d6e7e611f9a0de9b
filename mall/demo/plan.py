"""The demo marketplace as pure data: ``build_plan`` derives every row from a seed and a date.

Nothing here touches the database; ``seed`` writes a plan in one transaction. The same
``offers`` and ``today`` always give the same plan.

Just past 400 lines: it is one generator whose steps share the random stream in a fixed
order (split, the order would be easy to break and the same seed would give other data).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from mall.accounts.models import (
    Role,
)
from mall.catalog.models import (
    OfferStatus,
)
from mall.catalog.products import model_key
from mall.catalog.validation import gtin_check_digit
from mall.demo import data

SEED = 20261127
CURRENCY = "CNY"
CENT = Decimal("0.01")
# Lot ceilings sit this far above the top of a category's typical price range.
LOT_CEILING_MARGIN = 1.10


def gtin13(first12: str) -> str:
    """Append the GS1 check digit to 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("a GTIN-13 body is 12 digits")
    return first12 + str(gtin_check_digit(first12))


# --------------------------------------------------------------------------------------------
# The plan: everything derived from the seed and ``today``, before touching the database.


@dataclass(frozen=True)
class UserPlan:
    email: str
    name: str
    org: str  # organization slug
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LotPlan:
    agreement: str
    code: str
    title: str
    category: str
    ceiling_price: Decimal


@dataclass(frozen=True)
class ProductPlan:
    category: str
    brand: str
    model: str
    model_key: str
    gtin: str | None


@dataclass(frozen=True)
class OfferPlan:
    supplier: str
    sku: str
    agreement: str
    lot: str
    category: str
    product: int  # index into DemoPlan.products
    title: str
    title_en: str
    description: str
    brand: str
    model: str
    gtin: str | None
    unit: str
    price: Decimal
    stock: int
    lead_time_days: int
    regions: tuple[str, ...]
    attributes: dict[str, Any]
    valid_until: date
    status: str


@dataclass(frozen=True)
class CeilingPlan:
    agreement: str
    supplier: str
    sku: str
    ceiling_price: Decimal


@dataclass
class DemoPlan:
    today: date
    users: list[UserPlan] = field(default_factory=list)
    lots: list[LotPlan] = field(default_factory=list)
    products: list[ProductPlan] = field(default_factory=list)
    offers: list[OfferPlan] = field(default_factory=list)
    ceilings: list[CeilingPlan] = field(default_factory=list)

    def digest(self) -> str:
        """SHA-256 over every generated row, to compare two plans or a plan and a database."""
        return offers_digest(
            (o.sku, str(o.price), o.status, o.valid_until.isoformat(), o.attributes)
            for o in self.offers
        )


def offers_digest(rows: Iterable[tuple[Any, ...]]) -> str:
    """Digest of ``(sku, price, status, valid_until, attributes)`` rows in any order.

    SKUs carry the supplier's prefix, so they are unique across suppliers.
    """
    h = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r[0]):
        h.update(json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode())
        h.update(b"\n")
    return h.hexdigest()


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fill(template: str, values: Mapping[str, Any]) -> str:
    # format_map (in C) honours _Blank.__missing__ for fields a product does not have.
    text = template.format_map(_Blank({k: _display(v) for k, v in values.items()}))
    return " ".join(text.split())


def _normal_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _money(amount: float) -> Decimal:
    """Round like a price list: whole yuan ending in 9 above 1,000; whole yuan above 100."""
    if amount >= 1000:
        value = Decimal(max(round(amount / 10) * 10 - 1, 1))
    elif amount >= 100:
        value = Decimal(round(amount))
    else:
        value = Decimal(str(round(max(amount, 0.5), 1)))
    return value.quantize(CENT)


def _lot_ceiling(top: float) -> Decimal:
    raw = top * LOT_CEILING_MARGIN
    step = 100 if raw >= 1000 else 10 if raw >= 100 else 1
    return Decimal(math.ceil(raw / step) * step).quantize(CENT)


def _user_plans() -> list[UserPlan]:
    names = iter(data.STAFF_NAMES * 4)
    users = [
        UserPlan("admin@mall.example", "系统管理员 Center Admin", data.CENTER["slug"],
                 (Role.center_admin.value,)),
        UserPlan("auditor@mall.example", next(names), data.CENTER["slug"],
                 (Role.auditor.value,)),
    ]
    for p in data.PURCHASERS:
        users.append(UserPlan(f"buyer@{p.slug}.example", next(names), p.slug,
                              (Role.buyer.value,)))
        for i in range(1, max(2, p.collective_approvers or 0) + 1):
            email = "approver" if i == 1 else f"approver{i}"
            users.append(UserPlan(f"{email}@{p.slug}.example", next(names), p.slug,
                                  (Role.approver.value,)))
        users.append(UserPlan(f"finance@{p.slug}.example", next(names), p.slug,
                              (Role.finance.value,)))
    for s in data.SUPPLIERS:
        users.append(UserPlan(f"sales@{s.slug}.example", next(names), s.slug,
                              (Role.supplier_admin.value,)))
    return users


def demo_logins() -> list[UserPlan]:
    """Every demo account; all share the password ``data.DEMO_PASSWORD``."""
    return _user_plans()


def _sample_attributes(rng: random.Random, leaf: data.Leaf, fixed: Mapping[str, Any],
                       ) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for t in leaf.attributes:
        key = t["key"]
        if key in fixed:
            value = fixed[key]
            if isinstance(value, list):
                value = rng.choice(value)
        elif t["required"] or rng.random() < 0.75:
            value = rng.choice(t["values"] if t["type"] == "enum" else t["samples"])
        else:
            continue
        attrs[key] = _normal_number(value)
    return attrs


def _price_score(leaf: data.Leaf, attrs: Mapping[str, Any]) -> float:
    """0..1: where the product's required attributes sit between basic and premium."""
    positions = []
    for t in leaf.attributes:
        value = attrs.get(t["key"])
        if not t["required"] or value is None:
            continue
        if t["type"] == "bool":  # a feature (colour, duplex, inverter) costs more
            positions.append(1.0 if value else 0.0)
            continue
        # Enum values and number samples are listed from basic to premium.
        options = t.get("values") if t["type"] == "enum" else t.get("samples")
        normalized = [_normal_number(s) for s in options or []]
        if len(normalized) >= 2 and value in normalized:
            positions.append(normalized.index(value) / (len(normalized) - 1))
    return sum(positions) / len(positions) if positions else 0.5


class _Generator:
    def __init__(self, offers: int, today: date) -> None:
        self.rng = random.Random(SEED)
        self.target = offers
        self.plan = DemoPlan(today=today)
        self.today = today
        self.agreements = {a.number: a for a in data.AGREEMENTS}
        self.agreement_of_parent = {a.parent: a for a in data.AGREEMENTS}
        self.suppliers = {s.slug: s for s in data.SUPPLIERS}
        self.awarded = {
            a.number: [s.slug for s in data.SUPPLIERS if a.number in s.agreements]
            for a in data.AGREEMENTS
        }
        self.lot_of_leaf: dict[str, LotPlan] = {}
        self.used_keys: set[str] = set()
        self.sku_seq: dict[str, int] = {}
        brands = sorted({b.en for leaf in data.LEAVES for b in leaf.brands})
        self.brand_code = {b: f"{(i * 3719 + 1201) % 100000:05d}" for i, b in enumerate(brands)}
        self.gtin_seq: dict[str, int] = {}
        # Large suppliers price a little lower; small ones a little higher.
        bias = {"large": -0.03, "medium": -0.01, "small": 0.0, "micro": 0.01}
        self.supplier_factor = {
            s.slug: 1.0 + bias[s.size] + self.rng.uniform(-0.02, 0.02) for s in data.SUPPLIERS
        }

    def agreement_dates(self, number: str) -> tuple[date, date]:
        spec = self.agreements[number]
        return (self.today - timedelta(days=spec.started_days_ago),
                self.today + timedelta(days=spec.ends_in_days))

    def build_lots(self) -> None:
        self.plan.users = _user_plans()
        for spec in data.AGREEMENTS:
            leaves = [leaf for leaf in data.LEAVES if leaf.code.startswith(spec.parent)]
            for i, leaf in enumerate(leaves, start=1):
                lot = LotPlan(spec.number, f"L{i:02d}", f"第{i}包 {leaf.name_zh} {leaf.name_en}",
                              leaf.code, _lot_ceiling(leaf.price[1]))
                self.plan.lots.append(lot)
                self.lot_of_leaf[leaf.code] = lot

    def build(self) -> DemoPlan:
        self.build_lots()
        open_leaves = list(data.LEAVES)
        while len(self.plan.offers) < self.target:
            if not open_leaves:
                raise ValueError(f"the demo catalogue cannot hold {self.target} offers")
            leaf = self.rng.choices(open_leaves, weights=[x.weight for x in open_leaves])[0]
            product = self.new_product(leaf)
            if product is None:
                open_leaves.remove(leaf)
                continue
            self.add_offers(leaf, product)
        return self.plan

    def new_product(self, leaf: data.Leaf) -> tuple[int, data.Brand, data.Series,
                                                     dict[str, Any]] | None:
        for _ in range(40):
            brand = self.rng.choice(leaf.brands)
            series = self.rng.choice(brand.series)
            attrs = _sample_attributes(self.rng, leaf, series.fixed)
            model = _fill(leaf.model_format, {"series": series.name, **attrs})
            key = model_key(brand.en, model)
            if key in self.used_keys:
                continue
            self.used_keys.add(key)
            gtin = None
            if self.rng.random() < leaf.gtin_share:
                seq = self.gtin_seq.get(brand.en, 0) + 1
                self.gtin_seq[brand.en] = seq
                gtin = gtin13(f"69{self.brand_code[brand.en]}{seq:05d}")
            self.plan.products.append(ProductPlan(leaf.code, brand.en, model, key, gtin))
            return len(self.plan.products) - 1, brand, series, attrs
        return None

    def add_offers(self, leaf: data.Leaf,
                   product: tuple[int, data.Brand, data.Series, dict[str, Any]]) -> None:
        rng = self.rng
        index, brand, series, attrs = product
        item = self.plan.products[index]
        lot = self.lot_of_leaf[leaf.code]
        agreement = self.agreements[lot.agreement]
        starts_on, ends_on = self.agreement_dates(agreement.number)
        awarded = self.awarded[agreement.number]
        count = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 22, 25, 20, 15, 10])[0]
        count = min(count, len(awarded), self.target - len(self.plan.offers))
        lo, hi = leaf.price
        position = 0.1 + 0.75 * _price_score(leaf, attrs) + rng.uniform(-0.12, 0.12)
        base = lo + (hi - lo) * min(max(position, 0.03), 1.0)
        values = {"brand_zh": brand.zh, "brand_en": brand.en, "series": series.name,
                  "model": item.model, **attrs}
        title = _fill(leaf.title_zh, values)
        title_en = _fill(leaf.title_en, values)
        specs = "；".join(
            f"{t['name_zh']}：{_display(attrs[t['key']])}{t['unit'] or ''}"
            for t in leaf.attributes if t["key"] in attrs
        )
        for slug in sorted(rng.sample(awarded, count)):
            supplier = self.suppliers[slug]
            price = min(_money(base * self.supplier_factor[slug] * rng.uniform(0.95, 1.05)),
                        lot.ceiling_price)
            seq = self.sku_seq.get(slug, 0) + 1
            self.sku_seq[slug] = seq
            sku = f"{supplier.sku_prefix}-{leaf.code}-{seq:05d}"
            status, valid_until = self.status_and_validity(starts_on, ends_on)
            warranty = rng.choice([1, 2, 3]) if leaf.code < "A08" else None
            description = f"{brand.zh} {series.name}。{specs}。价格含税、含运费"
            description += f"，原厂质保{warranty}年。" if warranty else "。"
            self.plan.offers.append(OfferPlan(
                supplier=slug, sku=sku, agreement=agreement.number, lot=lot.code,
                category=leaf.code, product=index, title=title, title_en=title_en,
                description=description, brand=brand.en, model=item.model, gtin=item.gtin,
                unit=leaf.unit, price=price, stock=self.stock(leaf),
                lead_time_days=rng.randint(*leaf.lead_days),
                regions=self.regions(agreement, supplier.region), attributes=dict(attrs),
                valid_until=valid_until, status=status,
            ))
            if rng.random() < 0.05:
                ceiling = (price * Decimal(str(round(rng.uniform(1.0, 1.05), 3)))).quantize(
                    Decimal("1"), rounding=ROUND_CEILING)
                ceiling = min(max(ceiling, price), lot.ceiling_price).quantize(CENT)
                self.plan.ceilings.append(CeilingPlan(agreement.number, slug, sku, ceiling))

    def status_and_validity(self, starts_on: date, ends_on: date) -> tuple[str, date]:
        rng = self.rng
        r = rng.random()
        status = (OfferStatus.draft if r < 0.015 else OfferStatus.pending_review if r < 0.03
                  else OfferStatus.suspended if r < 0.04 else OfferStatus.active)
        r = rng.random()
        if r < 0.02:  # lapsed; half already marked expired, half left for the expiry job
            valid_until = max(self.today - timedelta(days=rng.randint(1, 45)), starts_on)
            if status == OfferStatus.active and rng.random() < 0.5:
                status = OfferStatus.expired
        elif r < 0.05:  # about to lapse
            valid_until = self.today + timedelta(days=rng.randint(0, 10))
        else:
            valid_until = self.today + timedelta(days=rng.randint(30, 360))
        return status.value, min(valid_until, ends_on)

    def stock(self, leaf: data.Leaf) -> int:
        if self.rng.random() < 0.06:
            return 0
        return 1 + int(leaf.stock_max * self.rng.random() ** 2)

    def regions(self, agreement: data.AgreementSpec, home: str) -> tuple[str, ...]:
        rng = self.rng
        if agreement.regions == ("*",):
            if rng.random() < 0.75:
                return ("*",)
            pool = list(data.REGIONS)
        else:
            pool = list(agreement.regions)
            if rng.random() < 0.6:
                return tuple(pool)
        chosen = set(rng.sample(pool, rng.randint(1, min(6, len(pool)))))
        if home in pool:
            chosen.add(home)
        return tuple(sorted(chosen))


def build_plan(offers: int = 5000, today: date | None = None) -> DemoPlan:
    """The demo rows as plain data; deterministic for a given ``offers`` and ``today``."""
    if offers < 0:
        raise ValueError("offers must not be negative")
    return _Generator(offers, today or date.today()).build()


