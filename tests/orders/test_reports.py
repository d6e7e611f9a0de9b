"""Spend reports with the SME share, for the center and auditors."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories.accounts import center_admin, make_user
from tests.orders.conftest import build_world


@pytest.mark.smoke
def test_spend_by_supplier_size_with_sme_share(client: FlaskClient, app: Flask,
                                               db_session: Session) -> None:
    world = build_world(db_session, app, sizes=("large", "small", "micro"))
    world.requisition((world.offers[0], 600))   # large
    world.requisition((world.offers[1], 300))   # small
    world.requisition((world.offers[2], 100))   # micro
    cancelled = world.requisition((world.offers[1], 5000))
    supplier = world.supplier_user(1)
    assert client.post(f"/api/v1/supplier/orders/{cancelled.orders[0].id}/reject",
                       headers=world.headers(supplier)).status_code == 200
    admin = center_admin(db_session)
    response = client.get("/api/v1/reports/spend?group_by=supplier_size",
                          headers=world.headers(admin))
    assert response.status_code == 200, response.json
    body = response.json
    by_key = {i["key"]: i for i in body["items"]}
    assert by_key["large"]["spend"] == {"amount": "600.00", "currency": "CNY"}
    assert by_key["small"]["spend"]["amount"] == "300.00"  # the rejected order is left out
    assert by_key["micro"]["sme_share"] == "1.0000"
    assert body["totals"] == [{"currency": "CNY",
                               "spend": {"amount": "1000.00", "currency": "CNY"},
                               "sme_spend": {"amount": "400.00", "currency": "CNY"},
                               "sme_share": "0.4000",
                               "joint_spend": {"amount": "0.00", "currency": "CNY"}}]
    by_category = client.get(
        "/api/v1/reports/spend?group_by=category&from=2000-01-01&to=2999-12-31",
        headers=world.headers(admin)).json
    assert by_category["items"][0]["key"] == world.category.code
    empty = client.get("/api/v1/reports/spend?group_by=supplier&to=2000-01-01",
                       headers=world.headers(admin)).json
    assert empty["items"] == []


def test_report_access_and_bad_input(client: FlaskClient, app: Flask,
                                     db_session: Session) -> None:
    world = build_world(db_session, app)
    world.requisition((world.offers[0], 10))
    other = build_world(db_session, app)
    other.requisition((other.offers[0], 20))
    assert client.get("/api/v1/reports/spend",
                      headers=world.headers(world.buyer)).status_code == 403
    auditor = make_user(db_session, world.purchaser, roles=("auditor",))
    own = client.get("/api/v1/reports/spend?group_by=supplier",
                     headers=world.headers(auditor)).json
    assert own["totals"][0]["spend"]["amount"] == "10.00"
    bad = client.get("/api/v1/reports/spend?group_by=colour", headers=world.headers(auditor))
    assert bad.status_code == 400
    bad_date = client.get("/api/v1/reports/spend?from=yesterday", headers=world.headers(auditor))
    assert bad_date.status_code == 400
