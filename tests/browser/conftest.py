"""Browser test helpers: real CSRF protection, and logging in through the form."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from selenium.webdriver.common.by import By

from tests.browser.axe import assert_accessible
from tests.factories.accounts import PASSWORD


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
    assert_accessible(browser)


def click_and_wait(browser: Any, element: Any, timeout: float = 15) -> None:
    """Click something that loads a page and wait until the old page is gone.

    Without this, reading an element both pages have (``<html lang>``, a panel's status)
    can read the page from before the click.
    """
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, timeout).until(expected_conditions.staleness_of(old))
    # every page a test loads by a click is checked by axe-core too
    browser.find_element(By.TAG_NAME, "main")
    assert_accessible(browser)


def visit(browser: Any, url: str) -> None:
    """Load a page and check it with axe-core (no serious or critical violation)."""
    browser.get(url)
    browser.find_element(By.TAG_NAME, "main")
    assert_accessible(browser)
