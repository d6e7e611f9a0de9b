"""A supplier uploads a feed, reads why a row was refused, and edits stock by hand."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from sqlalchemy import select

from mall.catalog.models import Offer
from mall.db import db
from tests.browser.conftest import log_in, visit
from tests.catalog.conftest import Catalog
from tests.catalog.test_feeds import _csv, _row
from tests.factories.accounts import supplier_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category

SAVED = {"zh": "UP-1：已保存", "en": "UP-1: saved."}  # the flash after a hand edit


def test_supplier_feed_report_and_hand_edits(
    live_server: str, browser, csrf_on, tmp_path: Path, browser_lang: str
) -> None:
    session = db.session()
    supplier = supplier_admin(session, name="上海供货有限公司")
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(session, category=category, suppliers=[supplier.organization],
                               ceiling="10000.00", regions=["CN-BJ", "CN-SH"])
    session.commit()
    catalog = Catalog(supplier, {}, supplier, {}, category, agreement)
    feed = tmp_path / "offers.csv"
    feed.write_text(_csv([_row(catalog, "UP-1"), _row(catalog, "UP-2", price="20000.00")]),
                    encoding="gb18030")

    log_in(browser, live_server, supplier.email, supplier.name)
    visit(browser, f"{live_server}/supplier/feeds")
    browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(feed))
    browser.find_element(By.CSS_SELECTOR, ".feed-upload button").click()

    report = browser.find_element(By.CSS_SELECTOR, "section.feed-report")
    assert report.get_attribute("data-status") == "completed"
    assert report.find_element(By.CSS_SELECTOR, "strong.ok").text == "1"
    assert report.find_element(By.CSS_SELECTOR, "strong.rejected").text == "1"
    problem = report.find_element(By.CSS_SELECTOR, "table.feed-errors tbody tr").text
    assert "UP-2" in problem and "price_above_ceiling" in problem

    visit(browser, f"{live_server}/supplier/offers")
    row = browser.find_element(By.CSS_SELECTOR, "tr[data-sku='UP-1']")
    price = row.find_element(By.NAME, "price")
    price.clear()
    price.send_keys("12000.00")  # above the ceiling: refused, nothing changes
    row.find_element(By.CSS_SELECTOR, "button").click()
    assert "UP-1" in browser.find_element(By.CSS_SELECTOR, ".flash.error").text

    row = browser.find_element(By.CSS_SELECTOR, "tr[data-sku='UP-1']")
    stock = row.find_element(By.NAME, "stock")
    stock.clear()
    stock.send_keys("42")
    row.find_element(By.CSS_SELECTOR, "button").click()
    assert SAVED[browser_lang] in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    session.expire_all()
    offer = session.scalar(select(Offer).where(Offer.sku == "UP-1"))
    assert (offer.stock, f"{offer.price:.2f}") == (42, "4999.00")
