"""One joint purchase in Chromium, from creation to the participants' orders: the lead buyer
opens it, three purchasers with different approval limits commit 20/30/50, the lead closes,
three suppliers quote, the lead awards, and each purchaser sees its own outcome and order.

The suppliers quote through the API: quoting on the competition pages is walked in the
browser by ``test_competition.py`` already, and three more logins would only slow this down.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from typing import Any

from flask import Flask
from selenium.webdriver.common.by import By
from sqlalchemy import select, update

from mall.db import db, utcnow
from mall.joint.models import JointPurchase
from mall.orders.models import Competition
from tests.browser.conftest import log_in, visit
from tests.factories.accounts import approval_limits
from tests.joint.conftest import build_joint_world


def _submit(browser: Any, button: str, then: str) -> Any:
    """Click a submit button and wait (implicitly) for what only the next page shows."""
    browser.find_element(By.CSS_SELECTOR, button).click()
    return browser.find_element(By.CSS_SELECTOR, then)


def _set(browser: Any, name: str, value: str) -> None:
    box = browser.find_element(By.NAME, name)
    # date and datetime-local inputs take keystrokes in the browser's locale; set the value
    browser.execute_script("arguments[0].value = arguments[1];", box, value)


def _quote(live_server: str, token: dict[str, str], competition_id: int, line_id: int,
           price: str) -> None:
    request = urllib.request.Request(
        f"{live_server}/api/v1/competitions/{competition_id}/quotes", method="POST",
        data=json.dumps({"lines": [{"line_id": line_id, "unit_price": price}]}).encode(),
        headers={**token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


def test_one_joint_purchase_from_creation_to_the_orders(app: Flask, live_server: str,
                                                        browser, csrf_on) -> None:
    session = db.session()
    jw = build_joint_world(session, app)
    # At the award price 92.00: 20 → 1,840 direct; 30 → 2,760 under this one-approver limit
    # of 3,000, direct; 50 → 4,600 above the two-approver limit of 4,000, so it waits.
    approval_limits(jw.purchasers[1], "3000.00", None, None)
    tokens = [jw.headers(u) for u in jw.supplier_users]
    session.commit()
    lead = jw.buyers[0]

    log_in(browser, live_server, lead.email, lead.name)
    visit(browser, f"{live_server}/joint-purchases")
    closes = utcnow() + timedelta(days=2)
    browser.find_element(By.NAME, "title").send_keys("Laptops together")
    browser.find_element(By.NAME, "agreement_number").send_keys(jw.agreement.number)
    browser.find_element(By.NAME, "lot_code").send_keys("L1")
    browser.find_element(By.NAME, "product_id").send_keys(str(jw.product_id))
    _set(browser, "closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    _set(browser, "deliver_by", (closes.date() + timedelta(days=20)).isoformat())
    panel = _submit(browser, "button[data-action=create-joint-purchase]",
                    "section.joint-purchase[data-status=open]")
    campaign_id = int(panel.get_attribute("data-joint-purchase-id"))
    url = f"{live_server}/joint-purchases/{campaign_id}"

    for buyer, quantity in zip(jw.buyers, (20, 30, 50), strict=True):
        if buyer is not lead:
            log_in(browser, live_server, buyer.email, buyer.name)
        visit(browser, url)
        browser.find_element(By.NAME, "quantity").send_keys(str(quantity))
        _submit(browser, "button[data-action=commit]", "p.flash.ok")
        mine = browser.find_element(By.CSS_SELECTOR, ".my-commitment")
        assert mine.text.startswith(f"{quantity} → ")
        assert browser.find_element(By.CSS_SELECTOR, ".total-quantity").text == str(
            {20: 20, 30: 50, 50: 100}[quantity])
    # the third's preview already says two approvers will decide its share
    assert "2" in browser.find_element(By.CSS_SELECTOR, ".preview-route").text
    # purchasers never see who else committed
    assert jw.purchasers[0].name not in browser.find_element(
        By.CSS_SELECTOR, "table.commitments").text

    log_in(browser, live_server, lead.email, lead.name)
    visit(browser, url)
    _submit(browser, "button[data-action=close]", "section.joint-purchase[data-status=competing]")
    competition_id = db.session.scalar(select(JointPurchase.competition_id).where(
        JointPurchase.id == campaign_id))
    assert competition_id is not None
    for token, price in zip(tokens, ("95.00", "92.00", "94.00"), strict=True):
        _quote(live_server, token, competition_id, campaign_id, price)
    # the quoting deadline passes (moved in the database: no test waits for a clock)
    with db.engine.begin() as connection:
        connection.execute(update(Competition).where(Competition.id == competition_id)
                           .values(deadline=utcnow() - timedelta(minutes=1)))
    visit(browser, url)
    _submit(browser, "button[data-action=award]", "section.joint-purchase[data-status=awarded]")
    assert browser.find_element(By.CSS_SELECTOR, ".award-price").text.startswith("92.00")

    for buyer, total in zip(jw.buyers, ("1,840.00", "2,760.00", None), strict=True):
        log_in(browser, live_server, buyer.email, buyer.name)
        visit(browser, url)
        status = browser.find_element(By.CSS_SELECTOR, ".my-requisition-status")
        orders = browser.find_elements(By.CSS_SELECTOR, "a.my-order")
        if total is None:  # waiting for its own approvers: no order yet
            assert status.get_attribute("data-status") == "pending"
            assert orders == []
            continue
        assert status.get_attribute("data-status") == "ordered"
        assert len(orders) == 1
        order_id = orders[0].get_attribute("data-order-id")
        orders[0].click()
        row = browser.find_element(By.CSS_SELECTOR, f"tr[data-order-id='{order_id}']")
        assert row.get_attribute("data-status") == "placed"
        assert total in row.text
        # delivered to the region it committed for (its own: none was given)
        assert row.find_element(By.CSS_SELECTOR, ".delivery-region").get_attribute(
            "data-region") == buyer.organization.region
