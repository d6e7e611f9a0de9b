"""Deterministic demo data: organizations, users, categories, agreements, products and offers.

``seed_demo`` first builds a :class:`DemoPlan` (pure data, from ``random.Random(SEED)`` and
``today`` only), then writes it in one transaction. The same ``offers`` and ``today`` always
give the same rows. No outbox rows are written: the search index is built by a full rebuild
after seeding.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import string
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from mall.accounts.models import (
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    User,
    UserRole,
)
from mall.accounts.services import hash_password
from mall.audit import services as audit
from mall.catalog.models import (
    Agreement,
    AgreementStatus,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    ItemCeiling,
    Lot,
    Offer,
    OfferStatus,
    PriceChange,
    PriceSource,
    Product,
)
from mall.catalog.products import model_key
from mall.catalog.validation import gtin_check_digit
from mall.demo import data
from mall.errors import Conflict

# Products are grouped by the catalog's own normalization (``model_key``), so an offer a
# supplier later sends through the API or a feed joins the seeded product.
__all__ = ["DemoDataExists", "SeedReport", "build_plan", "category_attributes", "demo_logins",
           "gtin13", "model_key", "offers_digest", "seed_demo"]

SEED = 20261127
CURRENCY = "CNY"
CENT = Decimal("0.01")
# Lot ceilings sit this far above the top of a category's typical price range.
LOT_CEILING_MARGIN = 1.10
INSERT_BATCH = 1000


def gtin13(first12: str) -> str:
    """Append the GS1 check digit to 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("a GTIN-13 body is 12 digits")
    return first12 + str(gtin_check_digit(first12))


class DemoDataExists(Conflict):
    code = "demo_data_exists"


@dataclass
class SeedReport:
    organizations: int = 0
    purchasers: int = 0
    suppliers: int = 0
    users: int = 0
    categories: int = 0
    category_attributes: int = 0
    agreements: int = 0
    lots: int = 0
    awards: int = 0
    item_ceilings: int = 0
    products: int = 0
    offers: int = 0
    price_changes: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


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
    text = string.Formatter().vformat(template, (), _Blank({k: _display(v)
                                                            for k, v in values.items()}))
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

    def build(self) -> DemoPlan:
        self.plan.users = _user_plans()
        for spec in data.AGREEMENTS:
            leaves = [leaf for leaf in data.LEAVES if leaf.code.startswith(spec.parent)]
            for i, leaf in enumerate(leaves, start=1):
                lot = LotPlan(spec.number, f"L{i:02d}", f"第{i}包 {leaf.name_zh} {leaf.name_en}",
                              leaf.code, _lot_ceiling(leaf.price[1]))
                self.plan.lots.append(lot)
                self.lot_of_leaf[leaf.code] = lot
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


# --------------------------------------------------------------------------------------------
# Writing the plan.


def _batches(
    rows: list[dict[str, Any]], size: int = INSERT_BATCH
) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for batch in _batches(rows):
        ids.extend(session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), batch
        ).all())
    return ids


def category_attributes(leaf: data.Leaf) -> list[CategoryAttribute]:
    """The leaf's attribute template as (unsaved) ``CategoryAttribute`` rows."""
    return [
        CategoryAttribute(
            key=t["key"], name_zh=t["name_zh"], name_en=t["name_en"], type=t["type"],
            unit=t.get("unit"),
            allowed_values=list(t["values"]) if t["type"] == "enum" else None,
            facet=t["facet"], required=t["required"], position=position,
        )
        for position, t in enumerate(leaf.attributes)
    ]


def seed_demo(session: Session, offers: int = 5000, today: date | None = None) -> SeedReport:
    """Fill an empty database with the demo marketplace and commit.

    Raises :class:`DemoDataExists` (and changes nothing) when any organization exists.
    All demo users share the password ``demo-password-1``; see :func:`demo_logins`.
    """
    if session.scalar(select(func.count()).select_from(Organization)):
        raise DemoDataExists("The database already has organizations; demo data is only "
                             "seeded into an empty database.")
    today = today or date.today()
    plan = build_plan(offers, today)
    try:
        report = _write(session, plan, offers)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _write(session: Session, plan: DemoPlan, requested: int) -> SeedReport:
    report = SeedReport()
    today = plan.today
    password_hash = hash_password(data.DEMO_PASSWORD)

    # Organizations.
    orgs: dict[str, Organization] = {
        data.CENTER["slug"]: Organization(
            name=data.CENTER["name"], name_en=data.CENTER["name_en"],
            kind=OrganizationKind.center.value, region=data.CENTER["region"],
            status=OrganizationStatus.active.value,
            credit_code=data.credit_code("12", "110102", 1), contact_email="center@mall.example",
            contact_phone="010-6838 0000",
        )
    }
    for i, p in enumerate(data.PURCHASERS, start=1):
        orgs[p.slug] = Organization(
            name=p.name, name_en=p.name_en, kind=OrganizationKind.purchaser.value,
            region=p.region, status=OrganizationStatus.active.value,
            credit_code=data.credit_code(p.kind_code, data.DIVISIONS[p.region], 100 + i),
            contact_email=f"procurement@{p.slug}.example",
            approval_one_approver_above=Decimal(p.one_approver_above)
            if p.one_approver_above else None,
            approval_collective_above=Decimal(p.collective_above)
            if p.collective_above else None,
            approval_collective_approvers=p.collective_approvers,
        )
    for i, s in enumerate(data.SUPPLIERS, start=1):
        orgs[s.slug] = Organization(
            name=s.name, name_en=s.name_en, kind=OrganizationKind.supplier.value,
            region=s.region, size=s.size, status=OrganizationStatus.active.value,
            credit_code=data.credit_code("91", data.DIVISIONS[s.region], 500 + i),
            contact_email=f"sales@{s.slug}.example", contact_phone=s.phone,
        )
    session.add_all(orgs.values())
    session.flush()
    report.organizations = len(orgs)
    report.purchasers = len(data.PURCHASERS)
    report.suppliers = len(data.SUPPLIERS)

    users = [
        User(email=u.email, password_hash=password_hash, name=u.name,
             organization_id=orgs[u.org].id, role_rows=[UserRole(role=r) for r in u.roles])
        for u in plan.users
    ]
    session.add_all(users)
    report.users = len(users)

    # Categories with their attribute templates.
    categories: dict[str, Category] = {}
    for parent in data.PARENTS:
        categories[parent.code] = Category(
            scheme=data.SCHEME, code=parent.code, path=f"/{parent.code}/",
            name_zh=parent.name_zh, name_en=parent.name_en,
        )
    session.add_all(categories.values())
    session.flush()
    for leaf in data.LEAVES:
        parent_category = categories[leaf.code[:3]]
        categories[leaf.code] = Category(
            scheme=data.SCHEME, code=leaf.code, parent_id=parent_category.id,
            path=f"{parent_category.path}{leaf.code}/", name_zh=leaf.name_zh, name_en=leaf.name_en,
            attributes=category_attributes(leaf),
        )
        report.category_attributes += len(leaf.attributes)
    session.add_all(categories[leaf.code] for leaf in data.LEAVES)
    session.flush()
    report.categories = len(categories)

    # Agreements, lots and awards.
    agreements: dict[str, Agreement] = {}
    for spec in data.AGREEMENTS:
        agreements[spec.number] = Agreement(
            number=spec.number, title=spec.title, currency=CURRENCY,
            starts_on=today - timedelta(days=spec.started_days_ago),
            ends_on=today + timedelta(days=spec.ends_in_days),
            regions=list(spec.regions), second_stage=spec.second_stage,
            status=AgreementStatus.active.value,
            lots=[Lot(code=lot.code, title=lot.title, category_id=categories[lot.category].id,
                      ceiling_price=lot.ceiling_price)
                  for lot in plan.lots if lot.agreement == spec.number],
            awards=[AgreementSupplier(supplier_id=orgs[s.slug].id)
                    for s in data.SUPPLIERS if spec.number in s.agreements],
        )
        report.awards += len(agreements[spec.number].awards)
    session.add_all(agreements.values())
    session.flush()
    report.agreements = len(agreements)
    report.lots = len(plan.lots)
    lot_ids = {(a.number, lot.code): lot.id for a in agreements.values() for lot in a.lots}

    # Products, offers and their first price-history row, in bulk.
    product_ids = _insert_returning_ids(session, Product, [
        {"category_id": categories[p.category].id, "brand": p.brand, "model": p.model,
         "model_key": p.model_key, "gtin": p.gtin}
        for p in plan.products
    ])
    report.products = len(product_ids)
    offer_ids = _insert_returning_ids(session, Offer, [
        {"supplier_id": orgs[o.supplier].id, "sku": o.sku,
         "agreement_id": agreements[o.agreement].id, "lot_id": lot_ids[(o.agreement, o.lot)],
         "category_id": categories[o.category].id, "product_id": product_ids[o.product],
         "title": o.title, "title_en": o.title_en, "description": o.description,
         "brand": o.brand, "model": o.model, "gtin": o.gtin, "unit": o.unit, "price": o.price,
         "currency": agreements[o.agreement].currency, "stock": o.stock,
         "lead_time_days": o.lead_time_days, "regions": list(o.regions),
         "attributes": o.attributes, "valid_until": o.valid_until, "status": o.status,
         "version": 1}
        for o in plan.offers
    ])
    report.offers = len(offer_ids)
    price_rows = [
        {"offer_id": offer_id, "old_price": None, "new_price": o.price,
         "source": PriceSource.seed.value, "status": "applied"}
        for offer_id, o in zip(offer_ids, plan.offers, strict=True)
    ]
    for batch in _batches(price_rows):
        session.execute(insert(PriceChange), batch)
    report.price_changes = len(price_rows)
    ceiling_rows = [
        {"agreement_id": agreements[c.agreement].id, "supplier_id": orgs[c.supplier].id,
         "sku": c.sku, "ceiling_price": c.ceiling_price}
        for c in plan.ceilings
    ]
    if ceiling_rows:
        session.execute(insert(ItemCeiling), ceiling_rows)
    report.item_ceilings = len(ceiling_rows)

    audit.record(
        session, action="demo.seed", target_type="demo", target_id="seed",
        after={**report.as_dict(), "offers_requested": requested, "seed": SEED,
               "today": today, "digest": plan.digest()},
        reason="Deterministic demo data for an empty database; the search index is built "
               "by a full rebuild afterwards.",
    )
    return report
