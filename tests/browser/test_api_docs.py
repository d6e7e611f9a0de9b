"""``/api/docs`` in a real browser: Swagger UI renders the document under the site's CSP."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def test_api_docs_render_every_operation(live_server: str, browser: Any) -> None:
    browser.get(f"{live_server}/api/docs")
    WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    operations = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    assert len(operations) >= 80
    assert "Government e-Mall API" in browser.find_element(By.CSS_SELECTOR, ".info").text
    paths = {o.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text for o in operations}
    assert "/api/v1/admin/users" in {p.replace("\u200b", "") for p in paths}
    # Nothing refused by the Content-Security-Policy (it would say so in the console).
    refused = [e["message"] for e in browser.get_log("browser")
               if "Content Security Policy" in e["message"]]
    assert refused == []
