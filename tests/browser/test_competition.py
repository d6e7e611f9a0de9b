"""A whole second-stage competition through the pages: the buyer's large requisition opens
it, two suppliers quote on their pages, the deadline passes, the buyer awards, and the order
appears on both sides."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from selenium.webdriver.common.by import By
from sqlalchemy import select, update

from mall.db import db, utcnow
from mall.orders.models import Competition
from tests.browser.conftest import absent, log_in, visit
from tests.browser.test_buying import add_to_cart_and_submit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_agreement, make_category, make_offer

# What the quote form warns, per language.
FINAL = {"zh": "不可修改", "en": "cannot be changed or withdrawn"}


def _quote_on_page(browser, live_server: str, competition_id: int, price: str,
                   lang: str) -> None:
    visit(browser, f"{live_server}/supplier/competitions")
    browser.find_element(
        By.CSS_SELECTOR, f"tr[data-competition-id='{competition_id}'] a").click()
    box = browser.find_element(By.CSS_SELECTOR, ".quote-form input[name^=price-]")
    box.send_keys(price)
    browser.find_element(By.CSS_SELECTOR, "button[data-action=review-quote]").click()
    # the confirmation step (waited for by its button) says the quote is final
    confirm = browser.find_element(By.CSS_SELECTOR, "button[data-action=confirm-quote]")
    assert FINAL[lang] in browser.find_element(By.CSS_SELECTOR, ".quote-form").text
    confirm.click()
    # waits until the page after the submit shows the quote
    assert browser.find_element(By.CSS_SELECTOR, "section.competition[data-standing=quoted]")


def test_a_whole_competition_through_the_pages(live_server: str, browser, csrf_on,
                                               browser_lang: str) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    suppliers = [make_org(session, kind="supplier", size=size, region="CN-BJ")
                 for size in ("large", "small", "micro")]
    category = make_category(session)
    agreement = make_agreement(session, category=category, suppliers=suppliers, ceiling=None)
    offers = [make_offer(session, agreement, s, price=Decimal("1000.00"), stock=1000)
              for s in suppliers]
    sellers = [make_user(session, s, roles=("supplier_admin",)) for s in suppliers]
    session.commit()

    # 300 × 1,000 = 300,000 CNY: above the direct limit, so a competition
    log_in(browser, live_server, buyer.email, buyer.name)
    add_to_cart_and_submit(browser, live_server, offers[0].id, 300)
    panel = browser.find_element(By.CSS_SELECTOR, "section.requisition")
    assert panel.get_attribute("data-route") == "competition"
    browser.find_element(By.CSS_SELECTOR, ".competition-link a").click()
    competition_id = int(browser.find_element(
        By.CSS_SELECTOR, "section.competition").get_attribute("data-competition-id"))
    assert browser.find_element(By.CSS_SELECTOR, ".invited-count").text == "3"
    assert browser.find_element(By.CSS_SELECTOR, ".quoted-count").text == "0"

    # two suppliers quote on their own pages; the large one's lower price loses to the
    # small one's after the 10% SME deduction
    log_in(browser, live_server, sellers[0].email, sellers[0].name)
    _quote_on_page(browser, live_server, competition_id, "950.00", browser_lang)
    log_in(browser, live_server, sellers[1].email, sellers[1].name)
    _quote_on_page(browser, live_server, competition_id, "1000.00", browser_lang)

    log_in(browser, live_server, buyer.email, buyer.name)
    visit(browser, f"{live_server}/competitions/{competition_id}")
    assert browser.find_element(By.CSS_SELECTOR, ".quoted-count").text == "2"
    assert absent(browser, "table.evaluation")  # sealed

    # the deadline passes (moved in the database: no test waits for a clock)
    with db.engine.begin() as connection:
        connection.execute(update(Competition).where(Competition.id == competition_id)
                           .values(deadline=utcnow() - timedelta(minutes=1)))
    visit(browser, f"{live_server}/competitions/{competition_id}")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.evaluation tbody tr")
    assert [r.get_attribute("data-rank") for r in rows] == ["1", "2"]
    assert "270,000.00" in rows[0].text  # 300,000 less 10%
    rows[0].find_element(By.CSS_SELECTOR, "button[data-action=award]").click()
    # waits for the page after the submit (the page before it has a section.competition too)
    panel = browser.find_element(By.CSS_SELECTOR, "section.competition[data-status=awarded]")
    assert suppliers[1].name in panel.text

    visit(browser, f"{live_server}/orders")
    assert "300,000.00" in browser.find_element(By.CSS_SELECTOR, "table.orders-table").text
    log_in(browser, live_server, sellers[1].email, sellers[1].name)
    visit(browser, f"{live_server}/supplier/orders")
    assert browser.find_elements(By.CSS_SELECTOR, "table.orders-table tr[data-status=placed]")
    visit(browser, f"{live_server}/supplier/competitions/{competition_id}")
    assert browser.find_element(By.CSS_SELECTOR, "section.competition").get_attribute(
        "data-standing") == "won"
    log_in(browser, live_server, sellers[0].email, sellers[0].name)
    visit(browser, f"{live_server}/supplier/competitions/{competition_id}")
    assert browser.find_element(By.CSS_SELECTOR, "section.competition").get_attribute(
        "data-standing") == "lost"
    assert db.session.scalar(select(Competition.awarded_rank).where(
        Competition.id == competition_id)) == 1
