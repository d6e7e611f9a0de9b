"""axe-core on a buyer's and a supplier's main pages, at desktop and at phone width (390 px),
in both languages (``browser_lang``): no serious or critical violation, no horizontal overflow."""

from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.by import By

from mall.db import db
from tests.browser.conftest import log_in, visit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_offer

OVERFLOW = """return {page: document.documentElement.scrollWidth, width: window.innerWidth,
  tables: [...document.querySelectorAll('main table')].filter(t => {
    const r = t.getBoundingClientRect(); return r.right > window.innerWidth + 1 || r.left < 0;
  }).map(t => t.className)};"""


def test_buyer_and_supplier_pages_pass_axe_and_fit_a_phone(live_server: str, browser,
                                                           csrf_on) -> None:
    from mall.orders.services.facts import Settings
    from mall.orders.services.requisitions import create_requisition

    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    offer = make_offer(session, price=Decimal("50.00"), stock=10)
    seller = make_user(session, offer.supplier, roles=("supplier_admin",))
    create_requisition(session, Settings(jurisdiction="cn-central"), buyer, [(offer.id, 2)])
    session.commit()

    pages = {buyer: ["/", "/home", "/cart", "/requisitions", "/orders", "/competitions", "/inbox",
                     f"/offers/{offer.id}"],
             seller: ["/home", "/supplier/offers", "/supplier/orders", "/supplier/feeds",
                      "/supplier/competitions"]}
    for user, paths in pages.items():
        browser.set_window_size(1280, 900)
        log_in(browser, live_server, user.email, user.name)
        for path in paths:
            visit(browser, f"{live_server}{path}")  # checks <html lang> too
            assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, path
        browser.set_window_size(390, 844)
        for path in paths:
            visit(browser, f"{live_server}{path}")
            fit = browser.execute_script(OVERFLOW)
            assert fit["page"] <= fit["width"], (path, fit)
            assert not fit["tables"], (path, fit)
