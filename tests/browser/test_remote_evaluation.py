"""Remote evaluation through the pages: the buyer draws the panel, two experts in two
regions score from their own pages, the report ranks by total, the buyer awards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from selenium.webdriver.common.by import By
from sqlalchemy import update

from mall.db import db, utcnow
from mall.orders.models import Competition
from mall.orders.services.competitions import submit_quote
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition
from tests.browser.conftest import click_and_wait, log_in, visit
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_agreement, make_category, make_offer
from tests.factories.evaluation import make_expert

PLAN = {"method": "best_value", "price_weight": Decimal("0.6"), "panel_size": 2,
        "criteria": [{"key": "quality", "name_zh": "质量", "name_en": "Quality",
                      "weight": Decimal("0.4"), "max_score": 10}]}


def _score(browser, live_server: str, expert, marks: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    log_in(browser, live_server, expert.email, expert.name)
    visit(browser, f"{live_server}/expert")
    browser.find_element(By.CSS_SELECTOR, "tr[data-status=to_score] a").click()
    page = browser.find_element(By.CSS_SELECTOR, "section.scoring")
    assert "950" not in page.text and "1000" not in page.text  # no prices shown
    for fieldset in browser.find_elements(By.CSS_SELECTOR, "fieldset.quote"):
        letter = fieldset.get_attribute("data-letter")
        fieldset.find_element(By.CSS_SELECTOR, "input[name^=score-]").send_keys(marks[letter])
        if int(marks[letter]) < 6:
            fieldset.find_element(By.CSS_SELECTOR, "textarea[name^=comment-]").send_keys(
                "below the requirement")
    browser.find_element(By.CSS_SELECTOR, "button[data-action=submit-scores]").click()
    # waits until the page after the submit shows the scores as submitted
    assert browser.find_element(By.CSS_SELECTOR, "section.scoring[data-status=submitted]")


def test_two_experts_score_from_their_pages(live_server: str, browser, csrf_on,
                                            browser_lang: str) -> None:
    session = db.session()
    purchaser = make_org(session, kind="purchaser", region="CN-BJ")
    buyer = make_user(session, purchaser, roles=("buyer",))
    suppliers = [make_org(session, kind="supplier", size=size, region="CN-BJ")
                 for size in ("large", "large", "large")]
    category = make_category(session)
    agreement = make_agreement(session, category=category, suppliers=suppliers, ceiling=None)
    offers = [make_offer(session, agreement, s, price=Decimal("1000.00"), stock=1000)
              for s in suppliers]
    sellers = [make_user(session, s, roles=("supplier_admin",)) for s in suppliers]
    experts = [make_expert(session, "CN-SH", [category.code]),
               make_expert(session, "CN-GD", [category.code])]
    requisition = create_requisition(
        session, Settings(jurisdiction="cn-central"), buyer, [(offers[0].id, 300)],
        requirement_text="会议室投影仪", evaluation=PLAN)
    competition_id = requisition.competition.id
    line_id = requisition.lines[0].id
    # A: cheap with a poor answer; B: dearer with a strong one
    submit_quote(session, sellers[0], competition_id,
                 [{"line_id": line_id, "unit_price": "950.00"}],
                 technical={"quality": "standard lamp, 2500 lm"})
    submit_quote(session, sellers[1], competition_id,
                 [{"line_id": line_id, "unit_price": "1000.00"}],
                 technical={"quality": "laser, 4000 lm, 5-year warranty"})
    session.execute(update(Competition).where(Competition.id == competition_id)
                    .values(deadline=utcnow() - timedelta(minutes=1)))
    session.commit()

    log_in(browser, live_server, buyer.email, buyer.name)
    visit(browser, f"{live_server}/competitions/{competition_id}")
    browser.find_element(By.CSS_SELECTOR, "a.evaluation-link").click()
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR,
                                                 "button[data-action=draw-panel]"))
    members = browser.find_elements(By.CSS_SELECTOR, "ul.panel-members li")
    assert len(members) == 2
    regions = {"zh": {"上海", "广东"}, "en": {"Shanghai", "Guangdong"}}  # codes shown as names
    assert {m.text.split(" · ")[1] for m in members} == regions[browser_lang]

    _score(browser, live_server, experts[0], {"A": "4", "B": "9"})
    _score(browser, live_server, experts[1], {"A": "5", "B": "8"})

    log_in(browser, live_server, buyer.email, buyer.name)
    visit(browser, f"{live_server}/competitions/{competition_id}/evaluation")
    report = browser.find_element(By.CSS_SELECTOR, "section.evaluation-report")
    assert report.get_attribute("data-status") == "complete"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.evaluation-result tbody tr")
    # B: 285,000 / 300,000 × 60 = 57.00 + 0.4 × 85 = 34.00 → 91.00; A: 60 + 18 = 78.00
    assert [r.find_element(By.CSS_SELECTOR, "td.total").text for r in rows] == ["91.00",
                                                                               "78.00"]
    visit(browser, f"{live_server}/competitions/{competition_id}")
    first = browser.find_element(By.CSS_SELECTOR, "table.evaluation tr[data-rank='1']")
    assert first.find_element(By.CSS_SELECTOR, "td.score").text == "91.00"
    click_and_wait(browser, first.find_element(By.CSS_SELECTOR, "button[data-action=award]"))
    panel = browser.find_element(By.CSS_SELECTOR, "section.competition")
    assert panel.get_attribute("data-status") == "awarded"
    assert suppliers[1].name in panel.text
