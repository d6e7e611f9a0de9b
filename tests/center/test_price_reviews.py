"""Price reviews with their context: ceiling, 30-day low, other suppliers, history chart."""

from __future__ import annotations

import base64
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from mall.catalog.services import prices
from mall.catalog.services.writes import OfferWrites
from tests.center.conftest import Center, flashed, log_in
from tests.factories.accounts import make_org
from tests.factories.catalog import make_offer


def _price(session: Session, offer: Offer, price: str, center: Center) -> None:
    writes = OfferWrites()
    prices.apply_price(session, offer, Decimal(price), center.supplier, "api",
                       Decimal("0.30"), writes)
    writes.finish(session)


def _held_rise(db_session: Session, center: Center) -> tuple[Offer, int]:
    offer = make_offer(db_session, agreement=center.agreement,
                       supplier=center.supplier.organization, model="X1", price="1000.00")
    for price in ("900.00", "1000.00"):  # history: 900 then back to 1000
        _price(db_session, offer, price, center)
    for price in ("950.00", "1100.00", "1300.00"):
        make_offer(db_session, agreement=center.agreement,
                   supplier=make_org(db_session, kind="supplier"), model="X1", price=price)
    _price(db_session, offer, "1500.00", center)
    db_session.flush()
    assert offer.pending_price == Decimal("1500.00")
    change_id = db_session.execute(prices.price_reviews_query()).all()[-1][0].id
    return offer, change_id


def test_the_review_list_shows_ceiling_low_and_market(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    _, change_id = _held_rise(db_session, center)
    log_in(client, center.auditor)
    page = flashed(client, "/center/price-reviews")
    row = page.split(f'data-review-id="{change_id}"')[1].split("</tr>")[0]
    assert "10000.00" in row  # the lot ceiling
    assert "900.00" in row  # the lowest applied price in 30 days
    assert "950.00 / 1100.00 / 1300.00" in row  # min / median / max elsewhere
    assert 'data-action="approve"' not in page  # the auditor reads only


def test_the_review_detail_draws_the_price_history_as_an_inline_svg(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    offer, change_id = _held_rise(db_session, center)
    log_in(client, center.admin)
    response = client.get(f"/center/price-reviews/{change_id}",
                          headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and offer.sku in page
    uri = page.split('<img class="chart" src="')[1].split('"')[0]
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "<script" not in svg and "Ceiling" in svg
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'data-action="approve"' in page
    assert client.get("/center/price-reviews/999999").status_code == 404


def test_suppliers_and_buyers_cannot_open_a_review(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    _, change_id = _held_rise(db_session, center)
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        assert client.get(f"/center/price-reviews/{change_id}").status_code == 403
        client.post("/logout")
