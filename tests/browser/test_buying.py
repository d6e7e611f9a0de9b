"""A buyer buys through the pages; a larger purchase waits for an approver."""

from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.by import By

from mall.db import db
from tests.browser.conftest import absent, click_and_wait, log_in, visit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_offer


def add_to_cart_and_submit(browser, live_server: str, offer_id: int, quantity: int) -> None:
    visit(browser, f"{live_server}/offers/{offer_id}")
    box = browser.find_element(By.CSS_SELECTOR, ".add-to-cart input[name=quantity]")
    box.clear()
    box.send_keys(str(quantity))
    browser.find_element(By.CSS_SELECTOR, ".add-to-cart button").click()
    row = browser.find_element(By.CSS_SELECTOR, f"table.cart tr[data-offer-id='{offer_id}']")
    assert f"{quantity}" == row.find_element(By.NAME, "quantity").get_attribute("value")
    browser.find_element(By.CSS_SELECTOR, ".submit-requisition button").click()


def test_small_purchase_goes_straight_to_an_order(live_server: str, browser, csrf_on) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    offer = make_offer(session, price=Decimal("120.00"), stock=50)
    session.commit()

    log_in(browser, live_server, buyer.email, buyer.name)
    add_to_cart_and_submit(browser, live_server, offer.id, 3)

    panel = browser.find_element(By.CSS_SELECTOR, "section.requisition")
    assert panel.get_attribute("data-route") == "direct"
    assert panel.get_attribute("data-status") == "ordered"
    assert "360.00" in panel.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.orders li")) == 1
    # the cart was emptied, and going back to submit again creates nothing new
    browser.back()
    browser.find_element(By.CSS_SELECTOR, ".submit-requisition button").click()
    assert browser.find_element(By.CSS_SELECTOR, "section.requisition").get_attribute(
        "data-route") == "direct"
    visit(browser, f"{live_server}/requisitions")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.requisitions tbody tr")) == 1


def test_purchase_above_the_limit_waits_for_an_approver(
    live_server: str, browser, csrf_on
) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ",
                         approval_one_approver_above=Decimal("1000.00"))
    buyer = make_user(session, purchaser, roles=("buyer",))
    approver = make_user(session, purchaser, roles=("approver",))
    offer = make_offer(session, price=Decimal("999.00"), stock=50)
    session.commit()

    log_in(browser, live_server, buyer.email, buyer.name)
    add_to_cart_and_submit(browser, live_server, offer.id, 2)
    panel = browser.find_element(By.CSS_SELECTOR, "section.requisition")
    assert panel.get_attribute("data-route") == "approval"
    assert panel.get_attribute("data-status") == "pending"
    # not the buyer's call
    assert absent(browser, "button[data-action=approve]", within=panel)
    url = browser.current_url

    log_in(browser, live_server, approver.email, approver.name)
    visit(browser, url)
    click_and_wait(browser,
                   browser.find_element(By.CSS_SELECTOR, ".decide button[data-action=approve]"))
    panel = browser.find_element(By.CSS_SELECTOR, "section.requisition")
    assert panel.get_attribute("data-status") == "ordered"
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.orders li")) == 1


def test_order_moves_from_supplier_confirmation_to_purchaser_acceptance(
    live_server: str, browser, csrf_on
) -> None:
    from mall.orders.services.facts import Settings
    from mall.orders.services.requisitions import create_requisition

    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    offer = make_offer(session, price=Decimal("50.00"), stock=10)
    seller = make_user(session, offer.supplier, roles=("supplier_admin",))
    create_requisition(session, Settings(jurisdiction="cn-central"), buyer, [(offer.id, 2)])
    session.commit()

    def order_row(status: str):  # type: ignore[no-untyped-def]
        # waits (implicitly) until the page shows the order in that status
        return browser.find_element(By.CSS_SELECTOR,
                                    f"table.orders-table tr[data-status='{status}']")

    log_in(browser, live_server, seller.email, seller.name)
    visit(browser, f"{live_server}/supplier/orders")
    current = "placed"
    for action, status in (("confirm", "confirmed"), ("ship", "shipped"),
                           ("deliver", "delivered")):
        order_row(current).find_element(By.CSS_SELECTOR,
                                        f"button[data-action={action}]").click()
        current = status
    # only the purchaser accepts; the supplier is offered nothing more
    assert absent(browser, "button", within=order_row("delivered"))

    log_in(browser, live_server, buyer.email, buyer.name)
    visit(browser, f"{live_server}/orders")
    order_row("delivered").find_element(By.CSS_SELECTOR, "button[data-action=accept]").click()
    assert order_row("accepted").text
