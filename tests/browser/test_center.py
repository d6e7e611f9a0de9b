"""The center admin's walk through the console, then the auditor's read-only walk."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from flask import Flask
from opensearchpy import OpenSearch
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from indexer.sync import drain
from mall.catalog.models import Agreement, ItemCeiling
from mall.db import db
from mall.orders.models import Flag
from tests.browser.conftest import click_and_wait, log_in, visit
from tests.factories.accounts import center_admin, make_org, make_user
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category, make_offer
from tests.orders.conftest import build_world
from tests.support import index_offers

SCREENS = ("/center/agreements", "/center/organizations", "/center/flags",
           "/center/accountability", "/center/reports", "/center/price-reviews",
           "/center/audit")

# What the console's flash messages say, per language.
TEXT = {"zh": {"reindexing": "搜索将在数秒内反映变化", "referred": "移交审计机关"},
        "en": {"reindexing": "within seconds", "referred": "Refer to the audit authority"}}


def _fill(browser: Any, form: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.get_attribute("type") == "date":  # typing a date depends on the locale
            browser.execute_script("arguments[0].value = arguments[1]", field, value)
        elif field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)


def _rendered(browser: Any, selector: str) -> bool:
    """The image decoded: the SVG chart drew under the page's Content-Security-Policy."""
    image = browser.find_element(By.CSS_SELECTOR, selector)
    return bool(browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", image))


def _search_titles(browser: Any, live_server: str, q: str) -> list[str]:
    visit(browser, f"{live_server}/search?q={q}")
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "ol.offers li h3")]


def _csv_rows(browser: Any, href: str) -> list[list[str]]:
    """Fetch the download link with the browser's session cookie (a download never renders)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    with urlopen(Request(href, headers={"Cookie": cookie}), timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(response.read().decode())))


def test_center_admin_walk_then_auditor_reads_everything_and_writes_nothing(
        live_server: str, browser: Any, csrf_on: None, tmp_path: Path,
        opensearch: OpenSearch, search_index: str, app: Flask, browser_lang: str) -> None:
    session = db.session()
    world = build_world(session, app)
    text = TEXT[browser_lang]
    requisitions = [world.requisition((world.offers[0], 5)) for _ in range(2)]
    admin = center_admin(session)
    auditor = make_user(session, admin.organization, roles=("auditor",))
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    suppliers = [make_org(session, kind="supplier", name=f"供应商{i}") for i in range(3)]
    flag = Flag(kind="non_first_award", supplier_ids=[suppliers[0].id],
                details={"rank": 2, "reason": "faster"})
    session.add(flag)
    listed = make_agreement(session, category=category, suppliers=[suppliers[2]])
    offer = make_offer(session, listed, suppliers[2], title="Walkabout notebook WLK-77")
    session.commit()
    index_offers(opensearch, search_index, [offer])

    log_in(browser, live_server, admin.email, admin.name)
    visit(browser, f"{live_server}/center/agreements")
    form = browser.find_element(By.ID, "agreement-create")
    _fill(browser, form, {"number": "GC-WALK-1", "title": "Walk laptops",
                          "starts_on": "2026-01-01", "ends_on": "2030-12-31",
                          "lot_code": "L1", "lot_category_code": category.code,
                          "lot_ceiling": "9000"})
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    assert "GC-WALK-1" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    form = browser.find_element(By.ID, "lot-add")
    _fill(browser, form, {"code": "L2", "category_code": category.code,
                          "ceiling_price": "20000"})
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    for supplier in suppliers:
        form = browser.find_element(By.ID, "award-add")
        _fill(browser, form, {"supplier_id": str(supplier.id)})
        click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#awards tr[data-award]")) == 3
    ceilings = tmp_path / "ceilings.csv"
    ceilings.write_text(f"supplier_id,sku,ceiling_price\n{suppliers[1].id},SKU-W,500.00\n")
    browser.find_element(By.CSS_SELECTOR, "#ceilings-upload input[type=file]").send_keys(
        str(ceilings))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#ceilings-upload button"))
    assert browser.find_elements(By.CSS_SELECTOR, f"tr[data-ceiling='{suppliers[1].id}/SKU-W']")
    assert "agreement.award_add" in browser.find_element(By.ID, "history").text

    assert len(_search_titles(browser, live_server, "WLK-77")) == 1
    visit(browser, f"{live_server}/center/organizations/{suppliers[2].id}")
    form = browser.find_element(By.ID, "organization-status")
    _fill(browser, form, {"status": "suspended", "reason": "audit finding"})
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    assert text["reindexing"] in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    # The worker is not running in browser tests: drain the outbox here, as it would, then
    # refresh the index instead of waiting for its refresh interval.
    session.expire_all()
    assert drain(opensearch, session, search_index, date.today()).deleted == 1
    session.commit()
    opensearch.indices.refresh(index=search_index)
    assert _search_titles(browser, live_server, "WLK-77") == []

    visit(browser, f"{live_server}/center/flags")
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-flag-id='{flag.id}']")
    _fill(browser, row, {"resolution": "refer", "reason": "to the audit office"})
    click_and_wait(browser, row.find_element(By.CSS_SELECTOR, "button[data-action=resolve]"))
    assert text["referred"] in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text

    visit(browser, f"{live_server}/center/reports")
    assert _rendered(browser, "#offers-changed img.chart")
    link = browser.find_element(By.CSS_SELECTOR, "#offers-changed a[data-csv]")
    rows = _csv_rows(browser, link.get_attribute("href"))
    assert rows[0] == ["day", "offers_changed"] and len(rows) == 31
    visit(browser, f"{live_server}/center/accountability")
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-purchaser='{world.purchaser.id}']")
    cell = row.find_element(By.CSS_SELECTOR, "td[data-figure=requisitions] a")
    assert cell.text == "2"
    click_and_wait(browser, cell)
    drilled = browser.find_elements(By.CSS_SELECTOR, "#drilldown tr[data-requisition]")
    assert [r.get_attribute("data-requisition") for r in drilled] == [
        str(r.id) for r in requisitions]

    log_in(browser, live_server, auditor.email, auditor.name)
    for path in SCREENS:
        visit(browser, f"{live_server}{path}")
        posts = [f.get_attribute("action") for f in
                 browser.find_elements(By.CSS_SELECTOR, "form[method=post]")
                 if "/logout" not in (f.get_attribute("action") or "")]
        # the auditor's only button runs the read-only chain verification
        assert all(a.endswith("/center/audit/verify") for a in posts), (path, posts)
    visit(browser, f"{live_server}/center/agreements/GC-WALK-1")
    assert "Walk laptops" in browser.page_source
    visit(browser, f"{live_server}/center/audit")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[data-action=verify]"))
    assert browser.find_element(By.CSS_SELECTOR, ".flash.ok").text

    session.expire_all()
    agreement = session.scalar(select(Agreement).where(Agreement.number == "GC-WALK-1"))
    assert [lot.code for lot in agreement.lots] == ["L1", "L2"]
    assert session.scalar(select(ItemCeiling.ceiling_price).where(
        ItemCeiling.agreement_id == agreement.id)) is not None
    assert session.get(Flag, flag.id).resolution == "refer"
