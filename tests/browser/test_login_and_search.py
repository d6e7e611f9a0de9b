"""A person's path through the site in a real browser (Debian's headless Chromium)."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from mall.db import db
from tests.browser.conftest import LANGUAGES, absent, click_and_wait, expect_language, visit
from tests.factories.accounts import PASSWORD, buyer

# What the pages say, per language.
TEXT = {"zh": {"wrong": "邮箱或密码错误", "log_in": "登录"},
        "en": {"wrong": "Email or password is wrong.", "log_in": "Log in"}}


def test_buyer_logs_in_through_the_form_and_out_again(
    live_server: str, browser, csrf_on, browser_lang: str
) -> None:
    session = db.session()
    user = buyer(session, name="王采购")
    session.commit()
    text = TEXT[browser_lang]

    visit(browser, f"{live_server}/login")
    browser.find_element(By.NAME, "email").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys("wrong-password")
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    assert text["wrong"] in browser.find_element(By.CSS_SELECTOR, ".flash").text

    browser.find_element(By.NAME, "email").clear()
    browser.find_element(By.NAME, "email").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    # the span with the user's name exists only once logged in
    assert "王采购" in browser.find_element(By.CSS_SELECTOR, "nav.user span.who").text

    browser.find_element(By.CSS_SELECTOR, "nav.user button").click()
    # the login link exists only once logged out
    assert browser.find_element(By.PARTIAL_LINK_TEXT, text["log_in"]).is_displayed()
    assert absent(browser, "nav.user span.who")
    # the header's language switch: the same page in the other language, then remembered
    # over the browser's Accept-Language, then switched back
    other = "en" if browser_lang == "zh" else "zh"
    for lang in (other, browser_lang):
        expect_language(browser, lang)
        click_and_wait(browser, browser.find_element(
            By.CSS_SELECTOR, f'nav.languages a[lang="{LANGUAGES[lang][1]}"]'))
        assert browser.find_element(By.PARTIAL_LINK_TEXT, TEXT[lang]["log_in"]).is_displayed()
        visit(browser, f"{live_server}/login")  # no ?lang= here: the cookie remembers
        assert browser.find_element(By.TAG_NAME, "h1").text == TEXT[lang]["log_in"]


def test_purchaser_searches_filters_and_compares_offers(
    live_server: str, browser, opensearch, search_index: str
) -> None:
    from tests.factories.accounts import make_org
    from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category, make_offer
    from tests.support import index_offers

    session = db.session()
    laptops = make_category(session, code="BRW-LAPTOP", name_zh="笔记本电脑",
                            name_en="Laptops", attributes=LAPTOP_TEMPLATE)
    suppliers = [make_org(session, kind="supplier", size=size, name=name)
                 for size, name in (("small", "北京小微科技"), ("large", "华东大型集团"))]
    agreement = make_agreement(session, category=laptops, suppliers=suppliers)
    offers = [
        make_offer(session, agreement, suppliers[0], brand="Lenovo", model="ThinkPad E14",
                   title="联想 ThinkPad E14 笔记本电脑", price="5299.00"),
        make_offer(session, agreement, suppliers[1], brand="Lenovo", model="ThinkPad E14",
                   title="联想 ThinkPad E14 笔记本电脑 企业版", price="4999.00"),
        make_offer(session, agreement, suppliers[1], brand="Dell", model="Latitude 5440",
                   title="戴尔 Latitude 5440 笔记本电脑", price="6100.00"),
    ]
    session.commit()
    index_offers(opensearch, search_index, offers)

    visit(browser, live_server + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("笔记本电脑")
    box.submit()
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "ol.offers li h3")]
    assert len(titles) == 3
    assert "3" in browser.find_element(By.CSS_SELECTOR, ".summary").text

    # narrow by brand through the facet, then remove the filter again
    click_and_wait(browser, browser.find_element(
        By.CSS_SELECTOR, "[data-facet=brand] a[href*='brand=Dell']"))
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "ol.offers li h3")]
    assert titles == ["戴尔 Latitude 5440 笔记本电脑"]
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "ul.chips a[title]"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.offers li h3")) == 3

    # the offer page compares the same product across suppliers, cheapest first
    visit(browser, f"{live_server}/offers/{offers[0].id}")
    assert "ThinkPad E14" in browser.find_element(By.CSS_SELECTOR, ".offer-detail").text
    rows = browser.find_elements(By.CSS_SELECTOR, "table.offers-compare tbody tr")
    assert [r.get_attribute("data-offer-id") for r in rows] == [str(offers[1].id),
                                                                str(offers[0].id)]
    assert "华东大型集团" in rows[0].text and "4,999.00" in rows[0].text
