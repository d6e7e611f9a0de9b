"""Browser tests: Debian's Chromium in one language per run, real CSRF protection, logging in
through the form, and every page loaded checked by axe-core and for its language."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.browser.axe import assert_accessible
from tests.conftest import fresh_index
from tests.factories.accounts import PASSWORD

# Per language: what Chromium asks for (Accept-Language) and what ``<html lang>`` then says.
LANGUAGES = {"zh": ("zh-CN,zh", "zh-CN"), "en": ("en,en-US;q=0.9", "en")}
IMPLICIT_WAIT = 5  # seconds find_element waits for an element to appear


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every journey runs twice, once per language (test ids end in ``[zh]`` / ``[en]``).
    Session-scoped, so pytest runs all of one language first and starts Chromium once per
    language instead of once per test."""
    if "browser" in metafunc.fixturenames:
        metafunc.parametrize("browser_lang", list(LANGUAGES), scope="session")


@pytest.fixture(scope="session")
def browser_lang() -> str:
    return "zh"  # overridden by pytest_generate_tests for every test that drives a browser


def start_chromium(lang: str) -> Any:
    """Debian's headless Chromium through Debian's chromedriver (``make test`` installs both),
    asking for ``lang`` the way a reader's browser does."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium and chromedriver are missing: `make test` installs them "
                    "(apt-get install chromium chromium-driver)")
    accept, html_lang = LANGUAGES[lang]
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 "--window-size=1280,900", f"--lang={html_lang}"):
        options.add_argument(flag)
    # Headless Chromium ignores --lang for Accept-Language, so the preference says it.
    options.add_experimental_option("prefs", {"intl.accept_languages": accept})
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


@pytest.fixture(scope="session")
def chromium(browser_lang: str) -> Iterator[list[Any]]:
    """One Chromium per language for the session, in a box so a crashed one is replaced."""
    box = [start_chromium(browser_lang)]
    yield box
    box[0].quit()


@pytest.fixture
def browser(chromium: list[Any], browser_lang: str) -> Any:
    """The language's Chromium as a new reader: no cookies or site data, desktop size, the
    default waits, nothing left in its console log, a blank page."""
    from selenium.common.exceptions import WebDriverException

    try:
        chromium[0].get("about:blank")
    except WebDriverException:  # it died in an earlier test: start another
        chromium[0] = start_chromium(browser_lang)
    driver = chromium[0]
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Storage.clearDataForOrigin",
                           {"origin": "*", "storageTypes": "all"})
    driver.set_window_size(1280, 900)
    driver.implicitly_wait(IMPLICIT_WAIT)
    driver.get_log("browser")  # read and dropped: a test sees only its own console messages
    expect_language(driver, browser_lang)
    return driver


def expect_language(browser: Any, lang: str) -> None:
    """From now on every page this browser loads through the helpers must be in ``lang``
    (a test that switches language on purpose says so here)."""
    browser.mall_html_lang = LANGUAGES[lang][1]


def absent(browser: Any, selector: str, within: Any = None) -> bool:
    """Nothing matches ``selector`` (inside ``within``) on the page already loaded. Asked
    without the implicit wait, which would spend its full 5 s waiting for nothing."""
    browser.implicitly_wait(0)
    try:
        return not (within or browser).find_elements(By.CSS_SELECTOR, selector)
    finally:
        browser.implicitly_wait(IMPLICIT_WAIT)


def check_page(browser: Any, axe: bool = True) -> None:
    """The page is in the expected language and axe-core finds no serious violation."""
    browser.find_element(By.TAG_NAME, "main")
    html_lang = browser.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert html_lang == browser.mall_html_lang, (browser.current_url, html_lang)
    if axe:
        assert_accessible(browser)


@pytest.fixture
def search_index(app: Flask, opensearch: OpenSearch) -> Iterator[str]:
    """A fresh index per test here, not per module: each journey runs once per language on a
    freshly emptied database, and the documents (and external versions) the first run
    indexed would make the second run's changes look stale."""
    yield from fresh_index(app, opensearch)


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def log_in(browser: Any, live_server: str, email: str, name: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{live_server}/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    # wait for the landing page, so the next navigation starts logged in
    assert name in browser.find_element(By.CSS_SELECTOR, "nav.user span.who").text
    check_page(browser)


def click_and_wait(browser: Any, element: Any, timeout: float = 15) -> None:
    """Click something that loads a page and wait until the old page is gone.

    Without this, reading an element both pages have (``<html lang>``, a panel's status)
    can read the page from before the click.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    # Mid-navigation chromedriver may answer "Node with given id does not belong to the
    # document" instead of "stale element": poll again, the next answer is the stale one.
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(
        expected_conditions.staleness_of(old))
    check_page(browser)  # every page a test loads by a click


def visit(browser: Any, url: str, axe: bool = True) -> None:
    """Load a page and check its language and (unless told otherwise) its accessibility."""
    browser.get(url)
    check_page(browser, axe)
