"""Deterministic demo data: organizations, users, categories, agreements, products and offers.

``seed_demo`` first builds a :class:`~mall.demo.plan.DemoPlan` (pure data, from
``random.Random(SEED)`` and ``today`` only, see ``mall.demo.plan``), then writes it in one
transaction. The same ``offers`` and ``today`` always
give the same rows. No outbox rows are written: the search index is built by a full rebuild
after seeding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from mall.accounts.models import (
    Organization,
    OrganizationKind,
    OrganizationStatus,
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
    PriceChange,
    PriceSource,
    Product,
)
from mall.catalog.products import model_key
from mall.demo import data
from mall.demo.bulk import Ids, write_tail
from mall.demo.longtail import tail_offers
from mall.demo.plan import (
    CURRENCY,
    SEED,
    DemoPlan,
    build_plan,
    demo_logins,
    gtin13,
    offers_digest,
)
from mall.errors import Conflict

# Products are grouped by the catalog's own normalization (``model_key``), so an offer a
# supplier later sends through the API or a feed joins the seeded product.
__all__ = ["DemoDataExists", "SeedReport", "build_plan", "category_attributes", "demo_logins",
           "gtin13", "model_key", "offers_digest", "seed_demo"]


INSERT_BATCH = 1000
# Offers taken from the curated plan; any more come from the long tail.
CURATED_OFFERS = 5000


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


def seed_demo(session: Session, offers: int = 5000, today: date | None = None,
              progress: Callable[[int], None] | None = None) -> SeedReport:
    """Fill an empty database with the demo marketplace and commit.

    The first ``CURATED_OFFERS`` offers come from the curated plan; the rest from the long
    tail (``mall.demo.longtail``), written with ``COPY`` on PostgreSQL. ``progress`` is told
    how many offers each step wrote.
    Raises :class:`DemoDataExists` (and changes nothing) when any organization exists.
    All demo users share the password ``demo-password-1``; see :func:`demo_logins`.
    """
    if session.scalar(select(func.count()).select_from(Organization)):
        raise DemoDataExists("The database already has organizations; demo data is only "
                             "seeded into an empty database.")
    today = today or date.today()
    plan = build_plan(min(offers, CURATED_OFFERS), today)
    try:
        report, ids = _write(session, plan)
        if progress:
            progress(report.offers)
        tail_digest = None
        if offers > CURATED_OFFERS:
            products, written, tail_digest = write_tail(
                session, tail_offers(offers - CURATED_OFFERS, today), ids, progress)
            report.products += products
            report.offers += written
            report.price_changes += written
        audit.record(
            session, action="demo.seed", target_type="demo", target_id="seed",
            after={**report.as_dict(), "offers_requested": offers, "seed": SEED,
                   "today": today, "digest": plan.digest(), "long_tail_digest": tail_digest},
            reason="Deterministic demo data for an empty database; the search index is "
                   "built by a full rebuild afterwards.",
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _write(session: Session, plan: DemoPlan) -> tuple[SeedReport, Ids]:
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

    ids = Ids(orgs={slug: org.id for slug, org in orgs.items()},
              agreements={a.number: (a.id, a.currency) for a in agreements.values()},
              lots=lot_ids, categories={code: c.id for code, c in categories.items()})
    return report, ids
