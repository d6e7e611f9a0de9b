"""Supplier offer API: upsert, patch, delist, ownership, history, outbox and audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.catalog.models import Offer, PriceChange
from tests.catalog.conftest import Catalog, offer_body, outbox_count
from tests.factories.accounts import auth_headers, buyer, supplier_admin


def _put(client: FlaskClient, catalog: Catalog, sku: str = "SKU-1", **overrides):  # type: ignore[no-untyped-def]
    return client.put(f"/api/v1/supplier/offers/{sku}", json=offer_body(catalog, **overrides),
                      headers=catalog.headers)


@pytest.mark.smoke
def test_create_then_update_bumps_version_and_writes_history(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    created = _put(client, catalog)
    assert created.status_code == 201
    assert created.json["price"] == {"amount": "4999.00", "currency": "CNY"}
    offer_id = created.json["id"]
    assert created.json["version"] == 1
    assert outbox_count(db_session, offer_id) == 1

    updated = _put(client, catalog, price="4599.50", stock=3)
    assert updated.status_code == 200
    assert updated.json["version"] == 2
    assert updated.json["price"]["amount"] == "4599.50"
    history = db_session.scalars(select(PriceChange).where(PriceChange.offer_id == offer_id)
                                 .order_by(PriceChange.id)).all()
    assert [(h.old_price, h.new_price, h.source, h.status) for h in history] == [
        (None, Decimal("4999.00"), "api", "applied"),
        (Decimal("4999.00"), Decimal("4599.50"), "api", "applied")]
    assert outbox_count(db_session, offer_id) == 2
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "offer", AuditEvent.target_id == str(offer_id))
        .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["offer.create", "offer.update"]
    assert events[1].before["price"] == "4999.00" and events[1].after["price"] == "4599.50"
    assert events[1].actor_user_id == catalog.supplier.id


def test_identical_upsert_changes_nothing(client: FlaskClient, db_session: Session,
                                         catalog: Catalog) -> None:
    offer_id = _put(client, catalog).json["id"]
    again = _put(client, catalog)
    assert again.status_code == 200 and again.json["version"] == 1
    assert outbox_count(db_session, offer_id) == 1


def test_refused_update_leaves_live_offer_unchanged(client: FlaskClient, db_session: Session,
                                                   catalog: Catalog) -> None:
    offer_id = _put(client, catalog).json["id"]
    refused = _put(client, catalog, price="99999.00", title="changed")
    assert refused.status_code == 422
    offer = db_session.get(Offer, offer_id)
    db_session.refresh(offer)
    assert (offer.price, offer.title, offer.version) == (Decimal("4999.00"),
                                                         offer_body(catalog)["title"], 1)
    assert outbox_count(db_session, offer_id) == 1


def test_another_supplier_cannot_touch_the_offer(app: Flask, client: FlaskClient,
                                                db_session: Session, catalog: Catalog) -> None:
    offer_id = _put(client, catalog).json["id"]
    other = supplier_admin(db_session)
    other_headers = auth_headers(app, db_session, other)
    for method, kwargs in (("get", {}), ("patch", {"json": {"price": "1.00"}}),
                           ("delete", {})):
        response = getattr(client, method)("/api/v1/supplier/offers/SKU-1",
                                           headers=other_headers, **kwargs)
        assert response.status_code == 404, (method, response.json)
    # Its own upsert of the same SKU is its own offer, refused here (not awarded).
    response = client.put("/api/v1/supplier/offers/SKU-1", json=offer_body(catalog),
                          headers=other_headers)
    assert response.status_code == 422
    offer = db_session.get(Offer, offer_id)
    db_session.refresh(offer)
    assert (offer.price, offer.status, offer.version) == (Decimal("4999.00"), "active", 1)
    assert client.get("/api/v1/supplier/offers", headers=other_headers).json["total"] == 0


@pytest.mark.smoke
def test_non_supplier_is_forbidden(app: Flask, client: FlaskClient, db_session: Session,
                                   catalog: Catalog) -> None:
    headers = auth_headers(app, db_session, buyer(db_session))
    response = client.put("/api/v1/supplier/offers/SKU-1", json=offer_body(catalog),
                          headers=headers)
    assert response.status_code == 403


def test_patch_and_delist(client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    offer_id = _put(client, catalog).json["id"]
    patched = client.patch("/api/v1/supplier/offers/SKU-1", json={"stock": 0, "price": "4800"},
                           headers=catalog.headers)
    assert patched.status_code == 200
    assert (patched.json["stock"], patched.json["price"]["amount"],
            patched.json["version"]) == (0, "4800.00", 2)
    refused = client.patch("/api/v1/supplier/offers/SKU-1", json={"price": "20000"},
                           headers=catalog.headers)
    assert refused.status_code == 422
    assert refused.json["error"]["details"]["problems"][0]["code"] == "price_above_ceiling"
    drafted = client.patch("/api/v1/supplier/offers/SKU-1", json={"status": "draft"},
                           headers=catalog.headers)
    assert drafted.json["status"] == "draft"
    bad = client.patch("/api/v1/supplier/offers/SKU-1", json={"status": "expired"},
                       headers=catalog.headers)
    assert bad.status_code == 400
    deleted = client.delete("/api/v1/supplier/offers/SKU-1", headers=catalog.headers)
    assert deleted.status_code == 200 and deleted.json["status"] == "delisted"
    assert outbox_count(db_session, offer_id) == 4
    listed = client.get("/api/v1/supplier/offers?status=delisted", headers=catalog.headers)
    assert [o["sku"] for o in listed.json["items"]] == ["SKU-1"]
    assert client.get("/api/v1/supplier/offers?status=active",
                      headers=catalog.headers).json["total"] == 0
    # A PUT publishes it again.
    assert _put(client, catalog).json["status"] == "active"


def test_offers_are_grouped_into_products(app: Flask, client: FlaskClient,
                                          db_session: Session, catalog: Catalog) -> None:
    first = _put(client, catalog, gtin=None, brand="Lenovo", model="ThinkPad E14").json
    second = _put(client, catalog, sku="SKU-2", gtin=None, brand="LENOVO",
                  model="thinkpad-e14", price="4500").json
    assert first["product_id"] == second["product_id"]
    listing = client.get(f"/api/v1/products/{first['product_id']}/offers")
    assert listing.status_code == 200
    assert [o["sku"] for o in listing.json["items"]] == ["SKU-2", "SKU-1"]  # cheapest first


def test_direction_overrides_are_stripped_from_titles(client: FlaskClient, db_session: Session,
                                                      catalog: Catalog) -> None:
    """A right-to-left override would make the title display as other text than is stored."""
    body = offer_body(catalog, title="联想\u202e笔记本\u202c电脑", brand="Len\u2066ovo\u2069",
                      title_en="Lenovo\tlaptop")
    response = client.put("/api/v1/supplier/offers/BIDI-1", json=body, headers=catalog.headers)
    assert response.status_code == 201, response.json
    assert response.json["title"] == "联想笔记本电脑"
    assert response.json["brand"] == "Lenovo"
    assert response.json["title_en"] == "Lenovo laptop"


@pytest.mark.parametrize(("price", "code"), [("0", "price_not_positive"),
                                             ("-1", "price_not_positive"),
                                             ("0.001", "price_precision"),
                                             ("1e20", "price_too_large")])
def test_a_draft_never_takes_a_price_no_offer_can_have(
        client: FlaskClient, db_session: Session, catalog: Catalog, price: str,
        code: str) -> None:
    """Regression: patching a draft skipped every rule, so a price of 0 (or -1, 0.001, 1e20) reached
    the database, whose price check refused it: the API answered 500."""
    _put(client, catalog)
    client.patch("/api/v1/supplier/offers/SKU-1", json={"status": "draft"},
                 headers=catalog.headers)
    refused = client.patch("/api/v1/supplier/offers/SKU-1", json={"price": price},
                           headers=catalog.headers)
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["details"]["problems"] == [
        {"field": "price", "code": code, "message": refused.json["error"]["details"][
            "problems"][0]["message"]}]
    offer = db_session.scalars(select(Offer).where(Offer.sku == "SKU-1")).one()
    assert (offer.price, offer.status) == (Decimal("4999.00"), "draft")
    # A draft may still break its agreement's rules until it is published.
    above = client.patch("/api/v1/supplier/offers/SKU-1", json={"price": "20000"},
                         headers=catalog.headers)
    assert above.status_code == 200
