"""One mixed feed through both paths: the simple one and PostgreSQL's fast path agree.

Two suppliers with the same existing offers import the same file, one per path; the reports
must match row by row and so must what was written: offers, price history, outbox rows and
the audit trail (per-row events on the simple path, batch rows named by a digest-carrying
event on the fast path).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.audit.models import AuditBatchRow, AuditEvent
from mall.audit.services import verify_chain
from mall.catalog.feeds import applying
from mall.catalog.models import ItemCeiling, Offer, PriceChange
from mall.catalog.services.offers import delist_offer, upsert_offer
from mall.outbox.models import OutboxEvent
from tests.catalog.conftest import Catalog, offer_body
from tests.catalog.test_feeds import _csv, _row
from tests.factories.accounts import supplier_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category

pytestmark = pytest.mark.postgres_only

VOLATILE = {"agreement_id", "lot_id", "category_id", "product_id"}  # equal anyway; ids


def _existing(session: Session, catalog: Catalog, org: Organization) -> None:
    """The same offers for each supplier before the feed: plain, pending, delisted."""
    user = catalog.supplier
    for sku, price in (("U-SAME", "1000.00"), ("U-CHEAPER", "1000.00"), ("U-RISE", "1000.00"),
                       ("U-PENDING", "1000.00"), ("U-PEND-SAME", "1000.00"),
                       ("U-DELISTED", "1000.00"), ("U-BAD", "1000.00")):
        upsert_offer(session, org, user, sku, offer_body(catalog, price=price, gtin=None))
    for sku in ("U-PENDING", "U-PEND-SAME"):  # a rise held for review before the feed
        upsert_offer(session, org, user, sku, offer_body(catalog, price="2000.00", gtin=None))
    delist_offer(session, org, user, "U-DELISTED")
    session.flush()


def _feed(catalog: Catalog, other: Catalog, future: str) -> str:
    today = date.today()
    row = _row
    rows = [
        row(catalog, "G-1", gtin=None),
        row(catalog, "G-2", gtin="4006381333931", regions=["CN-SH", "CN-BJ", "CN-SH"]),
        row(catalog, "G-3", attributes={"cpu": "i7", "memory_gb": "16 GB",
                                        "touchscreen": True, "color": "黑"}),
        row(catalog, "G-4", price="10000.00", title_en=None, lead_time_days="0"),
        row(catalog, "U-SAME", price="1000.00", gtin=None),       # nothing changes
        row(catalog, "U-CHEAPER", price="900.00", gtin=None, stock=5),
        row(catalog, "U-RISE", price="1500.00", gtin=None),       # held for review
        row(catalog, "U-PENDING", price="1100.00", gtin=None),    # supersedes the pending
        row(catalog, "U-PEND-SAME", price="2000.00", gtin=None),  # the pending price again
        row(catalog, "U-DELISTED", gtin=None, brand="Dell", model="Latitude 5440"),
        row(catalog, "U-BAD", price="20000", gtin=None),           # refused: offer untouched
        row(catalog, "D-1", price="100.00"), row(catalog, "D-1", price="120.00"),  # repeated
        # Refused, each for its own reason.
        row(catalog, "R-CEIL", price="10000.01"),
        row(catalog, "R-ITEM", price="3000.00"),                   # item ceiling 2500
        row(catalog, "R-ZERO", price="0"),
        row(catalog, "R-PREC", price="10.123"),
        row(catalog, "R-HUGE", price="1000000000000"),
        row(catalog, "R-ATTR", attributes={"cpu": "i9", "memory_gb": 8}),
        row(catalog, "R-UNK", attributes={"cpu": "i5", "memory_gb": 8, "weight": 2}),
        row(catalog, "R-REQ", attributes={"cpu": "i5"}),
        row(catalog, "R-TYPE", attributes={"cpu": "i5", "memory_gb": 8, "touchscreen": "y"}),
        row(catalog, "R-UNIT", attributes={"cpu": "i5", "memory_gb": "8 TB"}),
        row(catalog, "R-SHAPE", title=None, stock="x", lead_time_days="400"),
        row(catalog, "R-REG", regions=["CN-GD"]),
        row(catalog, "R-REGFMT", regions=["cn-bj"]),
        row(catalog, "R-AGR", agreement_number="GC-NOPE"),
        row(catalog, "R-LOT", lot_code="L9"),
        row(catalog, "R-CAT", category_code="NOPE"),
        row(catalog, "R-NOTLOT", category_code=other.category.code),
        row(catalog, "R-AWARD", agreement_number=other.agreement.number,
            category_code=other.category.code),
        row(catalog, "R-PAST", valid_until=(today - timedelta(days=1)).isoformat()),
        row(catalog, "R-LATE", valid_until=future),
        row(catalog, "R-DATE", valid_until="2027-02-30"),
        row(catalog, "R-GTIN", gtin="4006381333932"),
        row(catalog, "R-GTINF", gtin="12345"),
        row(catalog, "bad sku!"),
        row(catalog, "R-SUSP", agreement_number=catalog.agreement.number + "-S"),
    ]
    text = _csv(rows)
    # A cell that is not JSON, and a row with a cell too many.
    lines = text.splitlines()
    good = lines[1]
    lines.append(good.replace("G-1", "R-JSON", 1).replace('"{', '"{{', 1))
    lines.append(good.replace("G-1", "R-COLS", 1) + ",extra")
    return "\n".join(lines) + "\n"


def _catalogs(session: Session, catalog: Catalog) -> tuple[Catalog, Catalog]:
    twin = supplier_admin(session)
    session.add_all([ItemCeiling(agreement_id=catalog.agreement.id, supplier_id=org_id,
                                 sku="R-ITEM", ceiling_price=Decimal("2500.00"))
                     for org_id in (catalog.supplier.organization_id, twin.organization_id)])
    from mall.catalog.models import AgreementSupplier

    session.add(AgreementSupplier(agreement_id=catalog.agreement.id,
                                  supplier_id=twin.organization_id))
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    other_agreement = make_agreement(session, category=category, suppliers=[])
    suspended = make_agreement(session, category=catalog.category,
                               suppliers=[catalog.supplier.organization, twin.organization],
                               number=catalog.agreement.number + "-S", status="suspended")
    assert suspended.lots[0].code == "L1"
    session.flush()
    other = Catalog(catalog.center, {}, catalog.supplier, {}, category, other_agreement)
    twin_catalog = Catalog(catalog.center, {}, twin, {}, catalog.category, catalog.agreement)
    return other, twin_catalog


def _written(session: Session, org_id: int) -> dict[str, Any]:
    offers = {o.sku: o for o in session.scalars(select(Offer).where(Offer.supplier_id == org_id))}
    by_id = {o.id: sku for sku, o in offers.items()}
    fields = ("status", "price", "pending_price", "stock", "lead_time_days", "regions",
              "attributes", "valid_until", "title", "title_en", "brand", "model", "gtin",
              "unit", "version", "product_id", "lot_id", "category_id", "agreement_id")
    prices = [(by_id[p.offer_id], p.old_price, p.new_price, p.source, p.status)
              for p in session.scalars(select(PriceChange).where(
                  PriceChange.offer_id.in_(by_id)).order_by(PriceChange.id))]
    outbox = sorted((by_id[e.entity_id], e.reason) for e in session.scalars(
        select(OutboxEvent).where(OutboxEvent.entity_type == "offer",
                                  OutboxEvent.entity_id.in_(by_id))))
    audit = [(by_id[int(e.target_id)], e.action, e.reason, e.before, e.after)
             for e in session.scalars(select(AuditEvent).where(
                 AuditEvent.target_type == "offer",
                 AuditEvent.target_id.in_([str(i) for i in by_id])).order_by(AuditEvent.id))]
    audit += [(by_id[r.offer_id], r.action, r.reason, r.before, r.after)
              for r in session.scalars(select(AuditBatchRow).where(
                  AuditBatchRow.offer_id.in_(by_id)).order_by(AuditBatchRow.id))]
    return {"offers": {sku: tuple(getattr(o, f) for f in fields) for sku, o in offers.items()},
            "prices": prices, "outbox": outbox, "audit": sorted(audit, key=repr)}


def test_mixed_feed_gives_the_same_result_on_both_paths(
        db_session: Session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    other, twin = _catalogs(db_session, catalog)
    orgs = [db_session.get_one(Organization, c.supplier.organization_id)
            for c in (catalog, twin)]
    for org, cat in zip(orgs, (catalog, twin), strict=True):
        _existing(db_session, cat, org)
    db_session.commit()
    future = (catalog.agreement.ends_on + timedelta(days=1)).isoformat()
    body = _feed(catalog, other, future).encode()
    reports = []
    for org, user, fast in ((orgs[0], catalog.supplier, False), (orgs[1], twin.supplier, True)):
        monkeypatch.setattr(applying, "FAST_PATH", fast)
        reports.append(applying.import_feed(db_session, org, user, io.BytesIO(body),
                                            "text/csv").as_json())
    simple, fast_report = reports
    for report in reports:
        report.pop("id")
    assert simple == fast_report
    codes = {e["code"] for e in simple["errors"]}
    assert codes >= {"price_above_ceiling", "price_not_positive", "price_precision",
                     "price_too_large", "attribute_not_allowed", "attribute_unknown",
                     "attribute_required", "attribute_type", "attribute_unit", "required",
                     "invalid", "region_not_covered", "agreement_unknown", "lot_unknown",
                     "category_unknown", "category_not_in_lot", "supplier_not_awarded",
                     "valid_until_past", "valid_until_after_agreement", "gtin_check_digit",
                     "gtin_format", "superseded", "invalid_json", "column_count",
                     "agreement_not_active"}, codes
    assert simple["rows_ok"] == 11 and simple["rows_superseded"] == 1

    a, b = _written(db_session, orgs[0].id), _written(db_session, orgs[1].id)
    assert a["offers"] == b["offers"]
    assert a["prices"] == b["prices"]
    assert a["outbox"] == b["outbox"]
    for entry_a, entry_b in zip(a["audit"], b["audit"], strict=True):
        assert entry_a == entry_b
    assert a["offers"]["U-RISE"][1:3] == (Decimal("1000.00"), Decimal("1500.00"))
    assert a["offers"]["U-PENDING"][1:3] == (Decimal("1100.00"), None)
    assert a["offers"]["U-DELISTED"][0] == "active"
    # 10 changes before the feed (7 creates, 2 held rises, 1 delisting); 11 ok rows, 2 unchanged
    assert len(a["audit"]) == 10 + 9
    assert list(verify_chain(db_session)) == []

