"""A supplier sees on its offers page why a held price rise was refused (real PostgreSQL)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.catalog.models import PriceChange
from tests.catalog.conftest import Catalog, offer_body
from tests.factories.accounts import PASSWORD


def _put(client: FlaskClient, catalog: Catalog, price: str) -> int:
    response = client.put("/api/v1/supplier/offers/SKU-1", json=offer_body(catalog, price=price),
                          headers=catalog.headers)
    assert response.status_code in (200, 201), response.json
    return int(response.json["id"])


def _offers_page(client: FlaskClient, catalog: Catalog) -> str:
    client.post("/login?lang=en", data={"email": catalog.supplier.email,
                                         "password": PASSWORD})
    response = client.get("/supplier/offers")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_refusal_and_its_reason_are_shown_until_a_new_change(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    offer_id = _put(client, catalog, "1000.00")
    _put(client, catalog, "1500.00")
    change = db_session.scalars(select(PriceChange).where(
        PriceChange.offer_id == offer_id, PriceChange.status == "pending_review")).one()
    refused = client.post(f"/api/v1/admin/price-reviews/{change.id}/refuse",
                          json={"reason": "No cost evidence given"},
                          headers=catalog.center_headers)
    assert refused.status_code == 200
    page = _offers_page(client, catalog)
    notice = page.split('class="price-refused"')[1].split("</small>")[0]
    assert "Price rise to" in notice and "1,500.00" in notice
    assert "No cost evidence given" in notice
    # a later price change (here a small, applied one) ends the notice
    _put(client, catalog, "1010.00")
    assert 'class="price-refused"' not in _offers_page(client, catalog)
