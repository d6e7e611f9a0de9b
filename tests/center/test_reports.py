"""Reports with charts: known figures in the tables, charts as SVG, CSV per report, roles."""

from __future__ import annotations

import base64
import csv
import io
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.catalog.services.writes import offer_snapshot, record_change
from mall.db import utcnow
from tests.center.conftest import Center, flashed, log_in
from tests.factories.catalog import make_offer
from tests.joint.conftest import build_joint_world
from tests.joint.test_reports import _awarded, _failed
from tests.orders.conftest import World, build_world
from tests.orders.test_competitions import _close, _competition, _quote


def _history(client: FlaskClient, db_session: Session, app: Flask) -> World:
    """One direct order of 100,000 (large supplier) and one competition of 300,000 awarded
    at 0.90 a unit to a small supplier (270,000: 30,000 saved)."""
    world = build_world(db_session, app, sizes=("large", "small", "micro"))
    direct = world.requisition((world.offers[0], 100_000))
    assert direct.status == "ordered"
    _, competition = _competition(world, 300_000)
    for index, price in ((1, "0.90"), (2, "0.95")):
        assert _quote(client, world, world.supplier_user(index), competition,
                      price).status_code == 201
    _close(world, competition)
    awarded = client.post(f"/api/v1/competitions/{competition.id}/award",
                          headers=world.headers(world.buyer))
    assert awarded.status_code == 200, awarded.json
    for supplier, price in ((world.suppliers[1], "100.00"), (world.suppliers[2], "150.00")):
        offer = make_offer(db_session, world.agreement, supplier, model="Z9", price=price)
    record_change(db_session, offer, None, "offer.update", offer_snapshot(offer))
    return world


def _csv(client: FlaskClient, name: str) -> list[dict[str, str]]:
    response = client.get(f"/center/reports/{name}.csv?year={utcnow().year}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_reports_show_known_figures_with_charts_and_csv(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    world = _history(client, db_session, app)
    log_in(client, center.auditor)
    page = flashed(client, "/center/reports")
    for name in ("spend-by-month", "spend-by-category", "spend-by-purchaser",
                 "spend-by-supplier-size", "sme-share", "competition-savings",
                 "price-spread", "offers-changed"):
        section = page.split(f'id="{name}"')[1].split("</section>")[0]
        assert f'data-csv="{name}"' in section
        uri = section.split('<img class="chart" src="')[1].split('"')[0]
        svg = base64.b64decode(uri.split(",", 1)[1]).decode()
        assert svg.startswith("<svg") and "<script" not in svg

    month = _csv(client, "spend-by-month")
    assert [(r["currency"], Decimal(r["spend"]), Decimal(r["sme_spend"]), r["orders"])
            for r in month] == [("CNY", Decimal("370000.00"), Decimal("270000.00"), "2")]
    by_purchaser = {r["purchaser"]: Decimal(r["spend"]) for r in _csv(client,
                                                                     "spend-by-purchaser")}
    assert by_purchaser[world.purchaser.name] == Decimal("370000.00")
    sizes = {r["group"]: Decimal(r["spend"]) for r in _csv(client, "spend-by-supplier-size")}
    assert sizes == {"small": Decimal("270000.00"), "large": Decimal("100000.00")}
    savings = _csv(client, "competition-savings")
    assert [(r["competitions"], Decimal(r["saved"]), r["saved_share"]) for r in savings] == [
        ("1", Decimal("30000.00"), "0.1000")]
    spread = {r["product"]: r for r in _csv(client, "price-spread")}
    z9 = spread["Lenovo Z9"]
    assert (z9["min"], z9["median"], z9["max"], z9["spread"]) == (
        "100.00", "125.00", "150.00", "0.5000")
    changed = _csv(client, "offers-changed")
    assert len(changed) == 30 and int(changed[-1]["offers_changed"]) >= 1
    sme = {r["purchaser"]: r for r in _csv(client, "sme-share")}
    assert Decimal(sme[world.purchaser.name]["sme_share"]) == Decimal("0.7297")


def test_joint_savings_sit_next_to_competition_savings_with_chart_table_and_csv(
        client: FlaskClient, db_session: Session, app: Flask) -> None:
    jw = build_joint_world(db_session, app)
    _awarded(client, jw, db_session)
    _failed(client, jw)  # a failed campaign saves nothing and is left out
    log_in(client, jw.center)
    page = flashed(client, "/center/reports")
    assert page.index('id="competition-savings"') < page.index('id="joint-savings"')
    section = page.split('id="joint-savings"')[1].split("</section>")[0]
    assert '<img class="chart"' in section and "9800.00" not in section
    assert "600.00" in section and "9200.00" in section
    rows = _csv(client, "joint-savings")
    month = f"{utcnow():%Y-%m}"
    # 20/30/50 awarded at 92.00 against the lowest listed 98.00: 600 saved of 9,800
    assert rows == [{"month": month, "currency": "CNY", "joint_purchases": "1",
                     "participations": "3", "awarded_total": "9200.00", "saved": "600.00",
                     "saved_share": "0.0612"}]


def test_report_roles_and_unknown_reports(client: FlaskClient, center: Center) -> None:
    log_in(client, center.admin)
    assert client.get("/center/reports/nonsense.csv").status_code == 404
    assert client.get("/center/reports?year=1800").status_code == 200
    client.post("/logout")
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        assert client.get("/center/reports").status_code == 403
        assert client.get("/center/reports/spend-by-month.csv").status_code == 403
        client.post("/logout")
