"""Seeding past the curated catalogue: the long tail follows every catalogue rule."""

from __future__ import annotations

from datetime import date
from statistics import median

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.catalog.models import AgreementSupplier, Lot, Offer, PriceChange, Product
from mall.catalog.validation import check_attributes
from mall.demo import data, seed
from mall.demo.longtail import StreamDigest, tail_offers
from tests.factories.catalog import make_offer

TODAY = date(2026, 11, 27)
CURATED, TOTAL = 40, 640


@pytest.fixture
def seeded(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> seed.SeedReport:
    # A small curated part keeps the test quick; the tail path is the same at any size.
    monkeypatch.setattr(seed, "CURATED_OFFERS", CURATED)
    steps: list[int] = []
    report = seed.seed_demo(db_session, offers=TOTAL, today=TODAY, progress=steps.append)
    assert sum(steps) == TOTAL and steps[0] == CURATED
    return report


@pytest.mark.smoke
def test_long_tail_offers_follow_the_catalogue_rules(db_session: Session, seeded) -> None:
    assert seeded.offers == TOTAL
    assert db_session.scalar(select(func.count()).select_from(Offer)) == TOTAL
    lots = {lot.id: lot for lot in db_session.scalars(select(Lot))}
    awarded = {(a.agreement_id, a.supplier_id)
                for a in db_session.scalars(select(AgreementSupplier))}
    priced = set(db_session.scalars(select(PriceChange.offer_id).where(
        PriceChange.source == "seed")))
    tail = db_session.scalars(select(Offer).where(Offer.sku.like("%-T%"))).all()
    assert len(tail) == TOTAL - CURATED
    for offer in tail:
        clean, problems = check_attributes(offer.category.attributes, offer.attributes)
        assert problems == [] and clean == offer.attributes, (offer.sku, problems)
        lot = lots[offer.lot_id]
        assert lot.category_id == offer.category_id == offer.product.category_id
        assert 0 < offer.price <= lot.ceiling_price
        assert (offer.agreement_id, offer.supplier_id) in awarded
        assert offer.valid_until <= offer.agreement.ends_on
        assert offer.id in priced and offer.title and offer.regions
    assert seeded.products == db_session.scalar(select(func.count()).select_from(Product))


@pytest.mark.smoke
def test_ids_continue_after_the_bulk_write(db_session: Session, seeded) -> None:
    top = db_session.scalar(select(func.max(Offer.id)))
    offer = make_offer(db_session)  # through the ORM: the sequence was moved past the copies
    assert offer.id > top


def test_the_seed_event_names_both_digests(db_session: Session, seeded) -> None:
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "demo.seed")).one()
    digest = StreamDigest()
    for batch in tail_offers(TOTAL - CURATED, TODAY):
        for _, offer in batch.offers:
            digest.add(offer)
    assert event.after["offers"] == TOTAL and event.after["offers_requested"] == TOTAL
    assert event.after["long_tail_digest"] == digest.hexdigest()


def test_the_tail_is_long_skewed_and_deterministic() -> None:
    offers = [o for b in tail_offers(6000, TODAY, batch_offers=1000) for _, o in b.offers]
    again = [o for b in tail_offers(6000, TODAY, batch_offers=1000) for _, o in b.offers]
    assert offers == again and len(offers) == 6000
    assert len({o.sku for o in offers}) == 6000
    products = {(o.brand, o.model) for o in offers}
    assert len(products) > 6000 / 2  # most items are offered by one supplier
    brands = {o.brand for o in offers}
    curated = {b.en for leaf in data.LEAVES for b in leaf.brands}
    assert len(brands - curated) > 10 * len(brands & curated)  # a long tail of small brands
    by_leaf = {leaf.code: leaf for leaf in data.LEAVES}
    positions = [(float(o.price) - by_leaf[o.category].price[0])
                 / (by_leaf[o.category].price[1] - by_leaf[o.category].price[0])
                 for o in offers]
    assert median(positions) < 0.4  # most prices near the cheap end
