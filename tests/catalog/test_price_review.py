"""Price rises above the configured share within 30 days wait for the center's review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.catalog.models import PriceChange
from tests.catalog.conftest import Catalog, offer_body, outbox_count


def _put(client: FlaskClient, catalog: Catalog, price: str):  # type: ignore[no-untyped-def]
    return client.put("/api/v1/supplier/offers/SKU-1", json=offer_body(catalog, price=price),
                      headers=catalog.headers)


def _pending(db_session: Session, offer_id: int) -> PriceChange:
    return db_session.scalars(select(PriceChange).where(
        PriceChange.offer_id == offer_id, PriceChange.status == "pending_review")).one()


def test_rise_over_limit_is_held_then_approved(client: FlaskClient, db_session: Session,
                                               catalog: Catalog) -> None:
    offer_id = _put(client, catalog, "1000.00").json["id"]
    held = _put(client, catalog, "1400.00")
    assert held.status_code == 200
    assert held.json["price"]["amount"] == "1000.00"
    assert held.json["pending_price"]["amount"] == "1400.00"
    assert held.json["status"] == "active"
    # Purchasers still see (and buy at) the old price.
    public = client.get(f"/api/v1/offers/{offer_id}")
    assert public.json["price"]["amount"] == "1000.00"
    assert "pending_price" not in public.json

    reviews = client.get("/api/v1/admin/price-reviews", headers=catalog.center_headers).json
    assert reviews["total"] == 1
    review = reviews["items"][0]
    assert (review["old_price"]["amount"], review["new_price"]["amount"],
            review["rise"]) == ("1000.00", "1400.00", "0.4000")
    # Suppliers cannot decide their own reviews.
    assert client.post(f"/api/v1/admin/price-reviews/{review['id']}/approve",
                       headers=catalog.headers).status_code == 403

    outbox_before = outbox_count(db_session, offer_id)
    approved = client.post(f"/api/v1/admin/price-reviews/{review['id']}/approve",
                           json={"reason": "raw material prices"},
                           headers=catalog.center_headers)
    assert approved.status_code == 200 and approved.json["status"] == "applied"
    offer = client.get("/api/v1/supplier/offers/SKU-1", headers=catalog.headers).json
    assert offer["price"]["amount"] == "1400.00" and offer["pending_price"] is None
    assert offer["version"] == 3
    assert outbox_count(db_session, offer_id) == outbox_before + 1
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "offer.price_approve")).one()
    assert event.actor_user_id == catalog.center.id and event.reason == "raw material prices"
    again = client.post(f"/api/v1/admin/price-reviews/{review['id']}/approve",
                        headers=catalog.center_headers)
    assert again.status_code == 409


def test_refused_rise_keeps_the_old_price(client: FlaskClient, db_session: Session,
                                          catalog: Catalog) -> None:
    offer_id = _put(client, catalog, "1000.00").json["id"]
    _put(client, catalog, "1500.00")
    change = _pending(db_session, offer_id)
    no_reason = client.post(f"/api/v1/admin/price-reviews/{change.id}/refuse", json={},
                            headers=catalog.center_headers)
    assert no_reason.status_code == 400
    refused = client.post(f"/api/v1/admin/price-reviews/{change.id}/refuse",
                          json={"reason": "unjustified"}, headers=catalog.center_headers)
    assert refused.status_code == 200 and refused.json["status"] == "refused"
    offer = client.get("/api/v1/supplier/offers/SKU-1", headers=catalog.headers).json
    assert offer["price"]["amount"] == "1000.00" and offer["pending_price"] is None


def test_creeping_rises_within_30_days_are_caught(client: FlaskClient, db_session: Session,
                                                  catalog: Catalog) -> None:
    offer_id = _put(client, catalog, "1000.00").json["id"]
    assert _put(client, catalog, "1200.00").json["price"]["amount"] == "1200.00"
    crept = _put(client, catalog, "1350.00").json
    assert crept["price"]["amount"] == "1200.00"
    assert _pending(db_session, offer_id).new_price == Decimal("1350.00")
    # A newer price supersedes the pending one; a small one applies at once.
    settled = _put(client, catalog, "1250.00").json
    assert settled["price"]["amount"] == "1250.00" and settled["pending_price"] is None
    statuses = db_session.scalars(select(PriceChange.status).where(
        PriceChange.offer_id == offer_id).order_by(PriceChange.id)).all()
    assert statuses == ["applied", "applied", "superseded", "applied"]


@pytest.mark.smoke
def test_share_is_configurable(app: Flask, client: FlaskClient, catalog: Catalog,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MALL",
                        app.config["MALL"].replace(price_rise_review_share=Decimal("0.05")))
    _put(client, catalog, "1000.00")
    assert _put(client, catalog, "1040.00").json["pending_price"] is None
    assert _put(client, catalog, "1060.00").json["pending_price"]["amount"] == "1060.00"


def test_a_drop_is_never_held(client: FlaskClient, catalog: Catalog) -> None:
    _put(client, catalog, "5000.00")
    assert _put(client, catalog, "100.00").json["price"]["amount"] == "100.00"
