"""The center's price review page."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from tests.catalog.conftest import Catalog, offer_body
from tests.factories.accounts import PASSWORD


def _log_in(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_center_approves_a_held_price_rise_on_the_review_page(
    client: FlaskClient, db_session: Session, catalog: Catalog
) -> None:
    for price in ("1000.00", "1500.00"):
        response = client.put("/api/v1/supplier/offers/SKU-P", headers=catalog.headers,
                              json=offer_body(catalog, price=price))
        assert response.status_code in (200, 201)

    _log_in(client, catalog.center.email)
    page = client.get("/center/price-reviews").get_data(as_text=True)
    assert "SKU-P" in page and "1,500.00" in page and "50.0%" in page
    change_id = page.split('data-review-id="')[1].split('"')[0]

    refused = client.post(f"/center/price-reviews/{change_id}/refuse", data={"reason": ""})
    assert refused.status_code == 302  # no reason: nothing decided
    approved = client.post(f"/center/price-reviews/{change_id}/approve")
    assert approved.status_code == 302
    offer = db_session.scalar(select(Offer).where(Offer.sku == "SKU-P"))
    db_session.refresh(offer)
    assert (f"{offer.price:.2f}", offer.pending_price) == ("1500.00", None)
    assert "SKU-P" not in client.get("/center/price-reviews").get_data(as_text=True)


def test_suppliers_cannot_open_the_review_page(client: FlaskClient, catalog: Catalog) -> None:
    _log_in(client, catalog.supplier.email)
    assert client.get("/center/price-reviews").status_code == 403


def test_a_bad_price_on_the_offers_page_reads_as_a_sentence(
    client: FlaskClient, db_session: Session, catalog: Catalog
) -> None:
    response = client.put("/api/v1/supplier/offers/SKU-F", headers=catalog.headers,
                          json=offer_body(catalog, price="100.00"))
    assert response.status_code in (200, 201)
    _log_in(client, catalog.supplier.email)
    client.post("/supplier/offers/SKU-F", data={"price": "abc", "stock": "5"})
    page = client.get("/supplier/offers").get_data(as_text=True)
    assert "SKU-F：价格：不是有效的数字。" in page  # not {'price': ['Not a valid number.']}
    assert "{'price'" not in page and "Not a valid number" not in page
    client.post("/supplier/offers/SKU-F?lang=en", data={"price": "abc"})
    page = client.get("/supplier/offers").get_data(as_text=True)  # the cookie remembers en
    assert "SKU-F: Price: Not a valid number." in page and "价格" not in page
