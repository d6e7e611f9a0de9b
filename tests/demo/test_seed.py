from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.accounts.services import verify_password
from mall.audit.models import AuditEvent
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    ItemCeiling,
    Lot,
    Offer,
    PriceChange,
    Product,
)
from mall.catalog.products import model_key
from mall.catalog.validation import check_attributes
from mall.demo import data
from mall.demo.seed import (
    DemoDataExists,
    SeedReport,
    build_plan,
    category_attributes,
    gtin13,
    offers_digest,
    seed_demo,
)
from mall.outbox.models import OutboxEvent

TODAY = date(2026, 11, 27)
OFFERS = 300


def _seed(session: Session) -> SeedReport:
    return seed_demo(session, offers=OFFERS, today=TODAY)


def test_seed_builds_categories_agreements_and_suppliers(db_session: Session) -> None:
    report = _seed(db_session)
    assert report.offers == OFFERS

    categories = db_session.scalars(select(Category)).all()
    leaves = [c for c in categories if c.parent_id is not None]
    assert len(categories) >= 32
    assert len([c for c in leaves if c.attributes]) >= 30
    by_id = {c.id: c for c in categories}
    for leaf in leaves:
        assert leaf.scheme == "cn-gpc"
        assert leaf.path == f"/{by_id[leaf.parent_id].code}/{leaf.code}/"
        for attribute in leaf.attributes:
            assert attribute.type in {"enum", "number", "text", "bool"}
            assert (attribute.allowed_values is not None) == (attribute.type == "enum")

    agreements = db_session.scalars(select(Agreement)).all()
    assert len(agreements) >= 3
    for agreement in agreements:
        assert agreement.lots and all(lot.ceiling_price > 0 for lot in agreement.lots)
        assert agreement.starts_on <= TODAY <= agreement.ends_on
        assert agreement.currency == "CNY"
        sizes = {award.supplier.size for award in agreement.awards}
        assert len(agreement.awards) >= 6 and len(sizes) >= 3
    assert any(a.regions != ["*"] for a in agreements)
    assert db_session.scalar(select(func.count()).select_from(ItemCeiling)) > 0

    suppliers = db_session.scalars(
        select(Organization).where(Organization.kind == "supplier")).all()
    assert len(suppliers) >= 20
    assert {s.size for s in suppliers} == {"micro", "small", "medium", "large"}
    assert len({s.credit_code for s in suppliers}) == len(suppliers)
    assert all(len(s.credit_code or "") == 18 for s in suppliers)
    phones = [s.contact_phone for s in suppliers]
    assert len(set(phones)) == len(phones) - 1  # one pair shares a phone: a collusion flag

    admin = db_session.scalar(select(User).where(User.email == "admin@mall.example"))
    assert admin is not None and admin.roles == {"center_admin"}
    assert admin.organization.kind == "center"
    assert verify_password(admin.password_hash, data.DEMO_PASSWORD)
    mof = db_session.scalar(select(Organization).where(Organization.name_en ==
                                                       "Ministry of Finance"))
    assert mof is not None and mof.approval_collective_approvers == 3
    approvers = db_session.scalars(select(User).where(
        User.organization_id == mof.id, User.email.like("approver%"))).all()
    assert len(approvers) >= mof.approval_collective_approvers


def test_every_offer_fits_its_template_ceiling_and_agreement(db_session: Session) -> None:
    _seed(db_session)
    lots = {lot.id: lot for lot in db_session.scalars(select(Lot))}
    item_ceilings = {(c.agreement_id, c.supplier_id, c.sku): c.ceiling_price
                     for c in db_session.scalars(select(ItemCeiling))}
    awarded = {(a.agreement_id, a.supplier_id) for a in db_session.scalars(
        select(AgreementSupplier))}
    priced = set(db_session.scalars(select(PriceChange.offer_id).where(
        PriceChange.source == "seed", PriceChange.old_price.is_(None))))
    offers = db_session.scalars(select(Offer)).all()
    assert len(offers) == OFFERS
    for offer in offers:
        clean, problems = check_attributes(offer.category.attributes, offer.attributes)
        assert problems == [] and clean == offer.attributes, (offer.sku, problems)
        lot = lots[offer.lot_id]
        assert lot.category_id == offer.category_id and lot.agreement_id == offer.agreement_id
        assert offer.price <= lot.ceiling_price
        ceiling = item_ceilings.get((offer.agreement_id, offer.supplier_id, offer.sku))
        assert ceiling is None or offer.price <= ceiling
        assert (offer.agreement_id, offer.supplier_id) in awarded
        assert offer.currency == offer.agreement.currency
        assert offer.version == 1 and offer.stock >= 0
        assert offer.valid_until <= offer.agreement.ends_on
        if offer.agreement.regions != ["*"]:
            assert set(offer.regions) <= set(offer.agreement.regions)
        assert offer.id in priced
        if offer.gtin:
            assert offer.gtin == gtin13(offer.gtin[:12])
    assert {o.status for o in offers} > {"active"}


def test_products_are_offered_by_several_suppliers_at_different_prices(
    db_session: Session,
) -> None:
    _seed(db_session)
    by_product: dict[int, list[Offer]] = defaultdict(list)
    for offer in db_session.scalars(select(Offer)):
        by_product[offer.product_id].append(offer)
    compared = [offers for offers in by_product.values()
                if len({o.supplier_id for o in offers}) >= 2
                and len({o.price for o in offers}) >= 2]
    assert len(compared) >= 10
    for product in db_session.scalars(select(Product)):
        assert product.model_key == model_key(product.brand, product.model)
        for offer in by_product[product.id]:
            assert (offer.brand, offer.model, offer.gtin) == (
                product.brand, product.model, product.gtin)


def test_seeding_is_deterministic(db_session: Session) -> None:
    plan = build_plan(OFFERS, TODAY)
    assert plan.digest() == build_plan(OFFERS, TODAY).digest()
    assert plan.digest() != build_plan(OFFERS + 1, TODAY).digest()

    _seed(db_session)
    rows = db_session.execute(select(Offer.sku, Offer.price, Offer.status, Offer.valid_until,
                                     Offer.attributes)).all()
    stored = offers_digest((sku, str(price), status, until.isoformat(), attrs)
                           for sku, price, status, until, attrs in rows)
    assert stored == plan.digest()


def test_seeding_twice_is_refused_and_writes_one_audit_event(db_session: Session) -> None:
    report = _seed(db_session)
    with pytest.raises(DemoDataExists):
        _seed(db_session)
    assert db_session.scalar(select(func.count()).select_from(Offer)) == report.offers
    assert db_session.scalar(select(func.count()).select_from(Organization)) == \
        report.organizations
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.seed")).all()
    assert len(events) == 1 and events[0].after["offers"] == OFFERS
    assert db_session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_the_full_default_plan_fits_the_templates_and_ceilings() -> None:
    """Every generated offer of the default 5,000, checked by the catalog's own validator."""
    templates = {leaf.code: category_attributes(leaf) for leaf in data.LEAVES}
    plan = build_plan(5000, TODAY)
    ceilings = {(lot.agreement, lot.code): lot.ceiling_price for lot in plan.lots}
    item_ceilings = {c.sku: c.ceiling_price for c in plan.ceilings}
    for offer in plan.offers:
        clean, problems = check_attributes(templates[offer.category], offer.attributes)
        assert problems == [] and clean == offer.attributes, (offer.sku, problems)
        assert 0 < offer.price <= ceilings[(offer.agreement, offer.lot)]
        assert offer.price <= item_ceilings.get(offer.sku, offer.price)
    keys = [(p.category, p.model_key) for p in plan.products]
    assert len(set(keys)) == len(keys)
    gtins = [p.gtin for p in plan.products if p.gtin]
    assert len(set(gtins)) == len(gtins) and all(g == gtin13(g[:12]) for g in gtins)
    assert len({o.sku for o in plan.offers}) == len(plan.offers)


def test_gtin_check_digit() -> None:
    assert gtin13("690123456789") == "6901234567892"
    assert gtin13("400638133393") == "4006381333931"
