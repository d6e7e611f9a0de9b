"""A person's path through the site in a real browser (Debian's headless Chromium)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By

from mall.db import db
from tests.factories.accounts import PASSWORD, buyer


@pytest.fixture
def csrf_on(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_buyer_logs_in_through_the_form_and_out_again(
    live_server: str, browser, csrf_on
) -> None:
    session = db.session()
    user = buyer(session, name="王采购")
    session.commit()

    browser.get(f"{live_server}/login")
    browser.find_element(By.NAME, "email").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys("wrong-password")
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    assert "Email or password is wrong" in browser.find_element(By.CSS_SELECTOR,
                                                                 ".flash").text

    browser.find_element(By.NAME, "email").clear()
    browser.find_element(By.NAME, "email").send_keys(user.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    assert "王采购" in browser.find_element(By.CSS_SELECTOR, "nav.user").text

    browser.find_element(By.CSS_SELECTOR, "nav.user button").click()
    assert "登录 Log in" in browser.find_element(By.CSS_SELECTOR, "nav.user").text
