"""Every role's main pages in both languages (``browser_lang``): one h1 at desktop width;
at phone width (390 px) no serious or critical axe-core violation and no horizontal overflow
of the page or of a table. (The journeys run axe on the desktop pages they load.)"""

from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.by import By
from sqlalchemy import select

from mall.db import db
from mall.orders.models import PurchaseOrder
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition
from tests.browser.conftest import log_in, visit
from tests.browser.test_center import SCREENS as CENTER_SCREENS
from tests.factories.accounts import center_admin, make_org, make_user
from tests.factories.catalog import make_offer
from tests.factories.evaluation import make_expert

OVERFLOW = """return {page: document.documentElement.scrollWidth, width: window.innerWidth,
  tables: [...document.querySelectorAll('main table')].filter(t => {
    const r = t.getBoundingClientRect(); return r.right > window.innerWidth + 1 || r.left < 0;
  }).map(t => t.className)};"""


def test_every_roles_pages_pass_axe_and_fit_a_phone(live_server: str, browser,
                                                    csrf_on) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    approver = make_user(session, purchaser, roles=("approver",))
    payer = make_user(session, purchaser, roles=("buyer", "finance"))
    offer = make_offer(session, price=Decimal("50.00"), stock=10)
    seller = make_user(session, offer.supplier, roles=("supplier_admin",))
    admin = center_admin(session)
    expert = make_expert(session, "CN-SH", [offer.category.code])
    requisition = create_requisition(session, Settings(jurisdiction="cn-central"), buyer,
                                     [(offer.id, 2)])
    order = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == requisition.id)).one()
    session.commit()

    pages = {buyer: ["/", "/home", "/cart", "/requisitions", f"/requisitions/{requisition.id}",
                     "/orders", f"/orders/{order.id}", "/competitions", "/inbox",
                     f"/offers/{offer.id}"],
             approver: ["/home", "/requisitions"],
             payer: [f"/orders/{order.id}/pay"],
             seller: ["/home", "/supplier/offers", "/supplier/orders", "/supplier/feeds",
                      "/supplier/competitions"],
             admin: ["/home", *CENTER_SCREENS],
             expert: ["/home", "/expert"]}
    for user, paths in pages.items():
        browser.set_window_size(1280, 900)
        log_in(browser, live_server, user.email, user.name)
        for path in paths:
            visit(browser, f"{live_server}{path}", axe=False)  # <html lang> is checked
            assert len(browser.find_elements(By.TAG_NAME, "h1")) == 1, path
        browser.set_window_size(390, 844)
        for path in paths:
            visit(browser, f"{live_server}{path}")  # axe-core at phone width
            fit = browser.execute_script(OVERFLOW)
            assert fit["page"] <= fit["width"], (path, fit)
            assert not fit["tables"], (path, fit)
