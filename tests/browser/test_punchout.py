"""A purchasing system punches out to the mall and receives the cart back, in a real browser.

A small local HTTP server plays the purchasing system's BrowserFormPost receiver; Chromium
enforces the return page's Content-Security-Policy, so a wrong form-action fails the test.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from lxml import etree
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from mall.db import db
from mall.punchout import services
from tests.browser.conftest import visit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_offer
from tests.punchout.test_punchout import setup_request

SECRET = "browser-round-trip-secret"


class Receiver:
    """The purchasing system's end: keeps every form posted to /receive."""

    def __init__(self) -> None:
        self.posts: list[dict[str, list[str]]] = []
        received = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append(parse_qs(self.rfile.read(length).decode()))
                body = b"<!doctype html><title>received</title><p id=received>received</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        # Threaded with daemon handlers: a connection Chromium opens and leaves idle must not
        # hold up shutdown() at teardown (a single-threaded server waits for it to time out).
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/receive"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        thread.join(timeout=5)


def test_punchout_round_trip(live_server: str, browser: Any, csrf_on: None,
                             receiver: Receiver) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    offer = make_offer(session, price=Decimal("88.00"), stock=50)
    services.set_identity(session, purchaser, "ERP-ROUND-TRIP", SECRET)
    session.commit()

    body = setup_request(buyer.email, identity="ERP-ROUND-TRIP", secret=SECRET,
                         url=receiver.url, cookie="cookie-rt-1")
    request = urllib.request.Request(f"{live_server}/punchout/setup", data=body,
                                     headers={"Content-Type": "text/xml"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        start_url = etree.fromstring(answer.read()).findtext(
            "Response/PunchOutSetupResponse/StartPage/URL")

    browser.delete_all_cookies()
    visit(browser, start_url)
    assert buyer.name in browser.find_element(By.CSS_SELECTOR, "nav.user span.who").text
    visit(browser, f"{live_server}/offers/{offer.id}")
    box = browser.find_element(By.CSS_SELECTOR, ".add-to-cart input[name=quantity]")
    box.clear()
    box.send_keys("2")
    browser.find_element(By.CSS_SELECTOR, ".add-to-cart button").click()
    browser.find_element(By.CSS_SELECTOR, "table.cart")
    browser.find_element(By.CSS_SELECTOR, "p.punchout a").click()
    browser.find_element(By.CSS_SELECTOR, "form.punchout-return button").click()

    WebDriverWait(browser, 10).until(lambda _: receiver.posts)
    assert browser.find_element(By.ID, "received").text == "received"
    document = etree.fromstring(receiver.posts[0]["cxml-urlencoded"][0].encode())
    message = document.find("Message/PunchOutOrderMessage")
    assert message.findtext("BuyerCookie") == "cookie-rt-1"
    (item,) = message.findall("ItemIn")
    assert item.get("quantity") == "2"
    assert item.findtext("ItemID/SupplierPartID") == offer.sku
    assert item.findtext("ItemDetail/UnitPrice/Money") == "88.00"
