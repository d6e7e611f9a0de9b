"""Center administration: categories, agreements, ceilings, suspension, expiry, visibility."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.catalog.models import Offer
from mall.catalog.services.offers import expire_offers
from mall.catalog.visibility import visible_clause
from tests.catalog.conftest import Catalog, offer_body, outbox_count
from tests.factories.accounts import make_org
from tests.factories.catalog import make_offer

TODAY = date.today()


def _visible_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Offer.id).where(visible_clause(TODAY))))


@pytest.mark.smoke
def test_category_with_template_and_agreement(client: FlaskClient, db_session: Session,
                                              catalog: Catalog) -> None:
    h = catalog.center_headers
    parent = client.post("/api/v1/admin/categories", headers=h, json={
        "scheme": "cn-gpc", "code": "A02", "name_zh": "设备", "name_en": "Equipment"})
    assert parent.status_code == 201
    child = client.post("/api/v1/admin/categories", headers=h, json={
        "scheme": "cn-gpc", "code": "A0201", "name_zh": "计算机", "name_en": "Computers",
        "parent_code": "A02", "attributes": [
            {"key": "cpu", "name_zh": "处理器", "name_en": "CPU", "type": "enum",
             "values": ["i5", "i7"], "required": True, "facet": True},
            {"key": "memory_gb", "name_zh": "内存", "name_en": "Memory", "type": "number",
             "unit": "GB"}]})
    assert child.status_code == 201, child.json
    assert child.json["path"] == ["A02", "A0201"]
    assert client.post("/api/v1/admin/categories", headers=h, json={
        "scheme": "cn-gpc", "code": "A0201", "name_zh": "x", "name_en": "x"}).status_code == 409
    bad_enum = client.post("/api/v1/admin/categories", headers=h, json={
        "scheme": "cn-gpc", "code": "A0202", "name_zh": "x", "name_en": "x",
        "attributes": [{"key": "k", "name_zh": "k", "name_en": "k", "type": "enum"}]})
    assert bad_enum.status_code == 400

    supplier_id = catalog.supplier.organization_id
    agreement = client.post("/api/v1/admin/agreements", headers=h, json={
        "number": "GC-2027-01", "title": "计算机框架协议", "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=365)).isoformat(), "regions": ["CN-BJ"],
        "second_stage": "competition",
        "lots": [{"code": "L1", "category_code": "A0201", "ceiling_price": "8000.00"}],
        "supplier_ids": [supplier_id]})
    assert agreement.status_code == 201, agreement.json
    assert agreement.json["lots"][0]["ceiling_price"] == {"amount": "8000.00",
                                                           "currency": "CNY"}
    assert agreement.json["supplier_ids"] == [supplier_id]
    listed = client.get("/api/v1/admin/agreements?per_page=100", headers=h).json
    assert "GC-2027-01" in [a["number"] for a in listed["items"]]
    assert client.get("/api/v1/admin/categories?parent_code=A02",
                      headers=h).json["total"] == 1
    assert db_session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "agreement.create")) is not None


def test_agreement_refuses_inactive_or_unknown_suppliers(client: FlaskClient,
                                                         db_session: Session,
                                                         catalog: Catalog) -> None:
    suspended = make_org(db_session, kind="supplier", status="suspended")
    purchaser = make_org(db_session, kind="purchaser")
    response = client.post("/api/v1/admin/agreements", headers=catalog.center_headers, json={
        "number": "GC-BAD", "title": "x", "starts_on": TODAY.isoformat(),
        "ends_on": TODAY.isoformat(), "regions": ["*"],
        "lots": [{"code": "L1", "category_code": "NOPE"}],
        "supplier_ids": [suspended.id, purchaser.id]})
    assert response.status_code == 422
    codes = {p["code"] for p in response.json["error"]["details"]["problems"]}
    assert codes == {"supplier_not_active", "supplier_unknown", "category_unknown"}
    assert client.post("/api/v1/admin/agreements", headers=catalog.headers,
                       json={}).status_code == 403


def test_item_ceiling_limits_price_and_suspends_offers_above_it(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    offer_id = client.put("/api/v1/supplier/offers/C-1", json=offer_body(catalog),
                          headers=catalog.headers).json["id"]
    response = client.put(f"/api/v1/admin/agreements/{catalog.agreement.number}/ceilings",
                          headers=catalog.center_headers,
                          json=[{"supplier_id": catalog.supplier.organization_id,
                                 "sku": "C-1", "ceiling_price": "4000.00"}])
    assert response.status_code == 200, response.json
    offer = db_session.get(Offer, offer_id)
    assert offer.status == "suspended"
    assert offer_id not in _visible_ids(db_session)
    assert outbox_count(db_session, offer_id) == 2
    # Back under the ceiling, the supplier can publish it again.
    again = client.patch("/api/v1/supplier/offers/C-1", json={"price": "3999",
                                                               "status": "active"},
                         headers=catalog.headers)
    assert again.status_code == 200 and again.json["status"] == "active"
    not_awarded = client.put(f"/api/v1/admin/agreements/{catalog.agreement.number}/ceilings",
                             headers=catalog.center_headers,
                             json=[{"supplier_id": 999999, "sku": "C-1",
                                    "ceiling_price": "1"}])
    assert not_awarded.status_code == 422


def test_suspending_an_agreement_hides_its_offers(client: FlaskClient, db_session: Session,
                                                  catalog: Catalog) -> None:
    offers = [make_offer(db_session, catalog.agreement, catalog.supplier.organization)
              for _ in range(3)]
    ids = {o.id for o in offers}
    assert ids <= _visible_ids(db_session)
    before = outbox_count(db_session)
    response = client.patch(f"/api/v1/admin/agreements/{catalog.agreement.number}",
                            json={"status": "suspended", "reason": "audit finding"},
                            headers=catalog.center_headers)
    assert response.status_code == 200 and response.json["status"] == "suspended"
    assert not ids & _visible_ids(db_session)
    # One event names the agreement; the indexer expands it to every offer under it.
    assert outbox_count(db_session) == before
    assert outbox_count(db_session, catalog.agreement.id, entity_type="agreement") == 1
    assert client.get(f"/api/v1/offers/{offers[0].id}").status_code == 404


def test_suspended_supplier_offers_leave_the_visible_set(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    offer = make_offer(db_session, catalog.agreement, catalog.supplier.organization)
    assert client.get(f"/api/v1/offers/{offer.id}").status_code == 200
    response = client.patch(f"/api/v1/admin/organizations/{catalog.supplier.organization_id}",
                            json={"status": "suspended"}, headers=catalog.center_headers)
    assert response.status_code == 200
    assert offer.id not in _visible_ids(db_session)
    assert client.get(f"/api/v1/offers/{offer.id}").status_code == 404
    assert outbox_count(db_session, offer.id) == 0
    assert outbox_count(db_session, catalog.supplier.organization_id,
                        entity_type="supplier") == 1


def test_expiry_marks_offers_and_records_it(db_session: Session, catalog: Catalog) -> None:
    stale = make_offer(db_session, catalog.agreement, catalog.supplier.organization,
                       valid_until=TODAY - timedelta(days=1))
    fresh = make_offer(db_session, catalog.agreement, catalog.supplier.organization)
    assert expire_offers(db_session, TODAY) == 1
    assert (stale.status, fresh.status) == ("expired", "active")
    assert stale.version == 2
    assert outbox_count(db_session, stale.id) == 1
    assert db_session.scalar(select(AuditEvent.reason).where(
        AuditEvent.action == "offer.expire")).startswith("valid_until")
    assert expire_offers(db_session, TODAY) == 0


def test_public_offer_and_product_comparison_by_region(app: Flask, client: FlaskClient,
                                                       db_session: Session,
                                                       catalog: Catalog) -> None:
    from tests.factories.accounts import auth_headers, buyer

    other = make_org(db_session, kind="supplier")
    bj = make_offer(db_session, catalog.agreement, catalog.supplier.organization,
                    model="X1", price="5000.00", regions=["CN-BJ"])
    sh = make_offer(db_session, catalog.agreement, other, model="X1", price="4500.00",
                    regions=["CN-SH"])
    assert bj.product_id == sh.product_id
    public = client.get(f"/api/v1/offers/{bj.id}").json
    assert public["price"] == {"amount": "5000.00", "currency": "CNY"}
    assert public["agreement"]["number"] == catalog.agreement.number
    everyone = client.get(f"/api/v1/products/{bj.product_id}/offers").json
    assert [o["id"] for o in everyone["items"]] == [sh.id, bj.id]
    beijing = auth_headers(app, db_session, buyer(db_session, region="CN-BJ"))
    mine = client.get(f"/api/v1/products/{bj.product_id}/offers", headers=beijing).json
    assert [o["id"] for o in mine["items"]] == [bj.id]
    assert client.get("/api/v1/products/999999/offers").status_code == 404
