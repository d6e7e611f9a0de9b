"""A buyer requests one rotation product three times from its offer page: three suppliers."""

from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.by import By

from mall.db import db
from tests.browser.conftest import absent, log_in, visit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_agreement, make_offer

ROTATION = {"zh": "顺序轮候分配", "en": "Assigned by rotation"}  # the line's label


def test_a_rotation_series_assigns_each_supplier_in_turn(live_server: str, browser,
                                                         csrf_on, browser_lang: str) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    suppliers = [make_org(session, kind="supplier", name=f"轮候供应商 Rotation Supplier {n}")
                 for n in "ABC"]
    agreement = make_agreement(session, suppliers=suppliers, second_stage="rotation")
    offers = [make_offer(session, agreement, s, brand="Haier", model="KFR-35GW",
                         price=Decimal("2999.00"), stock=20) for s in suppliers]
    session.commit()
    names = {s.id: s.name for s in suppliers}

    log_in(browser, live_server, buyer.email, buyer.name)
    served = []
    for round_ in range(3):
        # whichever supplier's offer page the buyer opens, nobody is picked there
        visit(browser, f"{live_server}/offers/{offers[round_ % 3 - 1].id}")
        panel = browser.find_element(By.CSS_SELECTOR, ".offer-detail .rotation")
        assert ROTATION[browser_lang] in panel.text
        assert absent(browser, ".add-to-cart")
        box = panel.find_element(By.CSS_SELECTOR, ".rotation-request input[name=quantity]")
        box.clear()
        box.send_keys("2")
        panel.find_element(By.CSS_SELECTOR, ".rotation-request button").click()

        requisition = browser.find_element(By.CSS_SELECTOR, "section.requisition")
        assert requisition.get_attribute("data-route") == "direct"
        assert requisition.get_attribute("data-status") == "ordered"
        line = requisition.find_element(By.CSS_SELECTOR, "tr[data-assignment=rotation]")
        supplier_id = int(line.get_attribute("data-supplier-id"))
        assert ROTATION[browser_lang] in line.text
        reason = requisition.find_element(By.CSS_SELECTOR, "ul.reasons li")
        assert "rotation" in reason.text and names[supplier_id] in reason.text
        assert len(requisition.find_elements(By.CSS_SELECTOR, "ul.orders li")) == 1
        served.append(supplier_id)

    assert served == [s.id for s in suppliers]  # three requests, three different suppliers
    visit(browser, f"{live_server}/requisitions")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.requisitions tbody tr")) == 3
