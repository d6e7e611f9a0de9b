"""Pages in one language at a time: chosen by ?lang= (remembered), cookie, Accept-Language;
labels for codes, money and times per locale, the app's own error page in both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.i18n import LANGUAGE_COOKIE, money
from mall.labels import label, unit_label
from mall.timezones import local_time
from tests.factories.accounts import PASSWORD, buyer

CJK = re.compile(r"[\u3400-\u9fff]")
# Words of the English catalog that a Chinese page must not show.
ENGLISH_LABELS = ("Log in", "Search", "Cart", "Requisitions", "Orders", "Total", "Status")


def _visible(html: str) -> str:
    """The page's text without tags, the language switch (each language names itself) and
    the csrf token."""
    html = re.sub(r'<nav class="languages".*?</nav>', "", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _english_only(html: str) -> None:
    assert '<html lang="en">' in html
    shown = CJK.findall(_visible(html))
    assert not shown, f"Chinese on an English page: {''.join(shown)}"


def _chinese_only(html: str) -> None:
    assert '<html lang="zh-CN">' in html
    text = _visible(html)
    assert not [w for w in ENGLISH_LABELS if re.search(rf"\b{w}\b", text)], text


def _log_in(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_login_page_is_chinese_by_default_and_english_on_request(client: FlaskClient) -> None:
    zh = client.get("/login").get_data(as_text=True)
    _chinese_only(zh)
    assert "登录" in zh and "密码" in zh
    en = client.get("/login?lang=en")
    _english_only(en.get_data(as_text=True))
    assert "Log in" in en.get_data(as_text=True)
    assert f"{LANGUAGE_COOKIE}=en" in en.headers["Set-Cookie"]
    # remembered: the next page without ?lang= stays English
    _english_only(client.get("/login").get_data(as_text=True))
    _chinese_only(client.get("/login?lang=zh").get_data(as_text=True))


def test_accept_language_picks_the_language_without_a_cookie(app: Flask, db_session: Session
                                                             ) -> None:
    fresh = app.test_client()
    page = fresh.get("/login", headers={"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"})
    _english_only(page.get_data(as_text=True))
    page = fresh.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    _chinese_only(page.get_data(as_text=True))
    page = fresh.get("/login", headers={"Accept-Language": "fr"})
    _chinese_only(page.get_data(as_text=True))  # neither: Chinese, the default


def test_the_language_switch_keeps_the_current_page(client: FlaskClient) -> None:
    html = client.get("/login?next=/cart").get_data(as_text=True)
    assert 'href="/login?next=%2Fcart&amp;lang=en"' in html
    html = client.get("/login?next=/cart&lang=en").get_data(as_text=True)
    assert 'href="/login?next=%2Fcart&amp;lang=zh"' in html


def test_cart_requisitions_and_orders_pages_in_each_language(client: FlaskClient,
                                                            db_session: Session) -> None:
    user = buyer(db_session)
    _log_in(client, user.email)
    for path in ("/cart", "/requisitions", "/orders", "/competitions"):
        zh = client.get(path + "?lang=zh")
        assert zh.status_code == 200, path
        _chinese_only(zh.get_data(as_text=True))
        en = client.get(path + "?lang=en")
        assert en.status_code == 200, path
        _english_only(en.get_data(as_text=True).replace(user.organization.name, ""))
    assert "购物车是空的" in client.get("/cart?lang=zh").get_data(as_text=True)
    assert "The cart is empty" in client.get("/cart?lang=en").get_data(as_text=True)


def test_unknown_url_gets_the_error_page_in_the_readers_language(client: FlaskClient) -> None:
    zh = client.get("/no-such-page")
    assert zh.status_code == 404 and zh.mimetype == "text/html"
    assert "页面不存在" in zh.get_data(as_text=True)
    _chinese_only(zh.get_data(as_text=True))
    en = client.get("/no-such-page?lang=en")
    assert en.status_code == 404 and "Page not found" in en.get_data(as_text=True)
    _english_only(en.get_data(as_text=True))
    wrong_method = client.get("/logout?lang=en")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert "Not allowed here" in wrong_method.get_data(as_text=True)
    # the JSON API keeps its error shape, in English
    api = client.get("/api/v1/no-such-thing?lang=zh")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_an_api_error_on_a_page_is_shown_in_the_readers_language(client: FlaskClient) -> None:
    zh = client.get("/offers/99999999").get_data(as_text=True)
    assert "该商品不存在" in zh and "does not exist" not in zh
    en = client.get("/offers/99999999?lang=en").get_data(as_text=True)
    assert "This offer does not exist or is not available to you." in en


def test_labels_money_and_times_follow_the_language(app: Flask) -> None:
    moment = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with app.test_request_context("/?lang=zh"):
        assert label("CN-GD", "region") == "广东" and label("US-CA", "region") == "加利福尼亚州"
        assert label("small", "size") == "小型"
        assert label("pending", "requisition_status") == "待处理"
        assert label(True) == "是" and label("no-such-code", "region") == "no-such-code"
        assert money(Decimal("1234.5"), "CNY") == "¥1,234.50"
        assert local_time(moment) == "2026年12月7日 09:00 (UTC)"
        # units as the supplier wrote them (several Chinese words share one English one)
        assert [unit_label(u) for u in ("台", "把", "GB", None)] == ["台", "把", "GB", ""]
    with app.test_request_context("/?lang=en"):
        assert label("CN-GD", "region") == "Guangdong" and label(False) == "No"
        assert label("small", "size") == "Small" and label("shipped", "order_status") == "Shipped"
        assert money({"amount": "1234.50", "currency": "CNY"}) == "CN¥1,234.50"
        assert local_time(moment).startswith("Dec 7, 2026") and "(UTC)" in local_time(moment)
        assert [unit_label(u) for u in ("台", "把", "页", "GB")] == ["unit", "pc", "pages", "GB"]


def test_a_users_own_time_zone_wins_over_the_regions(db_session: Session) -> None:
    from mall.timezones import user_zone

    user = buyer(db_session, region="CN-GD")
    assert user_zone(user).key == "Asia/Shanghai"  # from the organization's region
    user.time_zone = "Asia/Urumqi"
    assert user_zone(user).key == "Asia/Urumqi"
    user.time_zone = "Not/AZone"
    assert user_zone(user).key == "Asia/Shanghai"  # an unknown zone falls back
