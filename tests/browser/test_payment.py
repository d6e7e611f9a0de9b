"""A buyer pays an order by card in a real browser: Stripe.js from localstripe draws the card
element, the page's script turns the card into a payment method id, the order ends paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from mall.db import db
from mall.orders.models import PurchaseOrder
from mall.orders.services.requisitions import create_requisition
from mall.payments.models import Payment
from tests.browser.axe import assert_accessible
from tests.browser.conftest import absent, click_and_wait, log_in, visit
from tests.factories.accounts import make_user
from tests.orders.conftest import build_world
from tests.payments.conftest import DECLINE_CARD

# What the pages say, per language.
TEXT = {
    "zh": {"pay": "支付此订单", "paid": "订单 #{id} 已支付。", "status": "已支付",
           "declined": "银行卡被拒绝，未扣款。", "missing": "请先填写银行卡信息，再付款。"},
    "en": {"pay": "Pay this order", "paid": "Order #{id} is paid.", "status": "Paid",
           "declined": "The card was declined; nothing was charged.",
           "missing": "Enter the card details, then pay."},
}


def _order(app: Flask) -> tuple[PurchaseOrder, Any]:
    """A committed 1,000.00 CNY order and a buyer of its purchaser who may pay it."""
    session = db.session()
    world = build_world(session, app, price="250.00")
    requisition = create_requisition(session, world.settings, world.buyer,
                                     [(world.offers[0].id, 4)])
    order = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == requisition.id)).one()
    payer = make_user(session, world.purchaser, roles=("buyer", "finance"), name="李财务")
    session.commit()
    return order, payer


def _open_payment_page(browser: Any, live_server: str, order: PurchaseOrder, payer: Any,
                       lang: str) -> None:
    log_in(browser, live_server, payer.email, payer.name)
    visit(browser, f"{live_server}/orders/{order.id}")
    link = browser.find_element(By.CSS_SELECTOR, "a[data-action=pay]")
    assert link.text == TEXT[lang]["pay"]
    click_and_wait(browser, link)
    assert browser.current_url.endswith(f"/orders/{order.id}/pay")
    # localstripe's card element, drawn by the page's script once Stripe.js has loaded
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#card-element input[placeholder=number]")))
    assert_accessible(browser)  # with the card element in the page


def _type_card(browser: Any, number: str) -> None:
    for field, value in (("number", number), ("exp_month", "12"), ("exp_year", "31"),
                         ("cvc", "123"), ("postal_code", "10000")):
        box = browser.find_element(By.CSS_SELECTOR, f"#card-element input[placeholder={field}]")
        box.send_keys(value)


def _payments(order: PurchaseOrder) -> list[Payment]:
    session = db.session()
    session.expire_all()
    return list(session.scalars(select(Payment).where(Payment.order_id == order.id)))


def test_buyer_pays_an_order_by_card_in_the_localstripe_element(
    live_server: str, browser: Any, csrf_on: None, app: Flask, browser_lang: str
) -> None:
    lang = browser_lang
    order, payer = _order(app)
    _open_payment_page(browser, live_server, order, payer, lang)
    assert "1,000.00" in browser.find_element(By.CSS_SELECTOR, "p.amount").text

    _type_card(browser, "4242 4242 4242 4242".replace(" ", ""))
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[data-method=card]"))

    # back on the order's page, paid
    assert browser.current_url.endswith(f"/orders/{order.id}")
    flash = browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert TEXT[lang]["paid"].format(id=order.id) in flash
    state = browser.find_element(By.CSS_SELECTOR, "p.payment-state")
    assert state.get_attribute("data-payment-status") == "succeeded"
    assert TEXT[lang]["status"] in state.text
    assert absent(browser, "a[data-action=pay]")
    [payment] = _payments(order)
    assert payment.status == "succeeded" and payment.method == "card"
    assert payment.amount == Decimal("1000.00") and payment.reference.startswith("pi_")
    assert payment.reference in state.text


def test_a_declined_card_is_said_so_and_another_card_then_pays(
    live_server: str, browser: Any, csrf_on: None, app: Flask, browser_lang: str
) -> None:
    order, payer = _order(app)
    _open_payment_page(browser, live_server, order, payer, browser_lang)
    _type_card(browser, DECLINE_CARD)
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[data-method=card]"))
    assert browser.current_url.endswith(f"/orders/{order.id}/pay")
    flash = browser.find_element(By.CSS_SELECTOR, ".flash.error").text
    assert TEXT[browser_lang]["declined"] in flash
    assert [p.status for p in _payments(order)] == ["failed"]

    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, "#card-element input[placeholder=number]")))
    _type_card(browser, "4242424242424242")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "button[data-method=card]"))
    assert browser.current_url.endswith(f"/orders/{order.id}")
    assert sorted(p.status for p in _payments(order)) == ["failed", "succeeded"]


def test_pay_without_card_details_stays_on_the_page(
    live_server: str, browser: Any, csrf_on: None, app: Flask, browser_lang: str
) -> None:
    order, payer = _order(app)
    _open_payment_page(browser, live_server, order, payer, browser_lang)
    browser.find_element(By.CSS_SELECTOR, "button[data-method=card]").click()
    errors = browser.find_element(By.ID, "card-errors")
    WebDriverWait(browser, 5).until(lambda _: errors.text)
    assert errors.text == TEXT[browser_lang]["missing"]
    assert _payments(order) == []
