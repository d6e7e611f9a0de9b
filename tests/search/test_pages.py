"""The HTML search page and the offer page (same product from every supplier)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from tests.factories.accounts import auth_headers, buyer
from tests.search.relevance_data import PAPER, Catalog


def page(app: Flask, path: str, **params: str) -> tuple[int, str]:
    response = app.test_client().get(path, query_string=params)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.smoke
def test_results_with_facets_sort_and_links(app: Flask, catalog: Catalog) -> None:
    status, html = page(app, "/search", q="复印纸")
    assert status == 200
    assert "共 40 条结果" in html
    assert 'data-facet="brand"' in html and 'data-facet="category"' in html
    assert re.search(r'Deli</span> <span class="count">15</span>', html)
    assert "sort=price_asc" in html and "相关度" in html and "Relevance" not in html
    assert re.search(r'href="/offers/\d+"', html)
    assert "<mark>" in html


def test_filters_combine_and_chips_remove_one(app: Flask, catalog: Catalog) -> None:
    status, html = page(app, "/search", q="复印纸", brand="Deli", category=PAPER)
    assert status == 200
    assert "共 15 条结果" in html
    chips = re.findall(r'<li><a href="([^"]+)" title="移除">([^<]+)<', html)
    assert len(chips) == 2
    by_label = {label.split(":")[0]: href for href, label in chips}
    assert "brand=Deli" not in by_label["品牌"]
    assert f"category={PAPER}" in by_label["品牌"]
    assert f"category={PAPER}" not in by_label["分类"]
    # The category facet of the copy-paper search offers the attribute facets with labels.
    assert "克重 (g/m²)" in html and "80 g/m²" in html and "Weight" not in html


def test_pagination_and_empty_result_help(app: Flask, catalog: Catalog) -> None:
    _, html = page(app, "/search", category=PAPER, per_page="10")
    assert "第 1 / 4 页" in html and "page=2" in html
    status, html = page(app, "/search", q="qqqzzzxxx")
    assert status == 200
    assert "没有找到匹配的商品" in html and "检查拼写" in html
    _, html = page(app, "/search", q="qqqzzzxxx", lang="en")
    assert "No matching items" in html and "Check the spelling" in html


def test_bad_search_is_a_400_page_and_input_is_escaped(app: Flask, catalog: Catalog) -> None:
    # Page numbers are made valid with one redirect, never a 400 or a 500: below 1 or not a
    # number is the first page; past the end (or the 2,000-result window) the last page.
    client = app.test_client()
    total = client.get("/api/v1/search", query_string={"q": "复印纸"}).get_json()["total"]
    last = -(-total // 20)
    assert last > 1, "the catalog must give more than one page for this check"
    for asked, expected in (("500", f"page={last}"), ("0", None), ("-3", None), ("abc", None)):
        response = client.get("/search", query_string={"q": "复印纸", "page": asked})
        assert response.status_code == 302, asked
        location = response.headers["Location"]
        assert (expected in location) if expected else ("page=" not in location), location
        assert client.get(location).status_code == 200, location  # one redirect, no more
    response = client.get("/search", query_string={"q": "复印纸", "page": "100", "per_page": "10"})
    assert response.status_code == 302
    assert f"page={-(-total // 10)}" in response.headers["Location"]
    _, html = page(app, "/search", q="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html


def _offers_of_product(catalog: Catalog, product_id: int) -> list[Offer]:
    return sorted((o for o in catalog.offers if o.product_id == product_id),
                  key=lambda o: (o.price, o.lead_time_days, o.id))


@pytest.mark.smoke
def test_offer_page_compares_the_same_product_across_suppliers(app: Flask,
                                                                catalog: Catalog) -> None:
    offer = catalog.offers[3]
    siblings = _offers_of_product(catalog, offer.product_id)
    status, html = page(app, f"/offers/{offer.id}")
    assert status == 200
    assert offer.title in html
    rows = re.findall(r'<tr class="[^"]*" data-offer-id="(\d+)">', html)
    assert [int(r) for r in rows] == [o.id for o in siblings]  # cheapest first
    for sibling in siblings:
        assert sibling.supplier.name in html and f"{sibling.price:,.2f}" in html


def test_offer_page_hides_what_the_purchaser_may_not_see(app: Flask, catalog: Catalog,
                                                          module_session: Session) -> None:
    assert page(app, "/offers/99999999")[0] == 404
    user = buyer(module_session, region="CN-SC")
    headers = auth_headers(app, module_session, user)
    offer = next(o for o in catalog.offers if "*" in o.regions)
    response = app.test_client().get(f"/offers/{offer.id}", headers=headers)
    shown = [int(r) for r in re.findall(r'<tr class="[^"]*" data-offer-id="(\d+)">',
                                        response.get_data(as_text=True))]
    expected = [o.id for o in _offers_of_product(catalog, offer.product_id)
                if {"*", "CN-SC"} & set(o.regions)]
    assert shown == expected and len(expected) < 5
    regional = next(o for o in catalog.offers if o.regions == ["CN-GD"])
    assert app.test_client().get(f"/offers/{regional.id}", headers=headers).status_code == 404
    regional.valid_until = date(2000, 1, 1)
    module_session.flush()
    assert page(app, f"/offers/{regional.id}")[0] == 404


def test_results_page_in_english_labels_codes_and_money(app: Flask, catalog: Catalog) -> None:
    status, html = page(app, "/search", q="复印纸", lang="en")
    assert status == 200 and '<html lang="en">' in html
    assert "40 results" in html and "Relevance" in html and "相关度" not in html
    assert "共 40 条结果" not in html and "Supplier size" in html
    # size classes as words, never the raw code
    assert re.search(r"<span>(Micro|Small|Medium|Large)</span>", html)
    assert not re.search(r"<span>(micro|small|medium|large)</span>", html)
    assert "CN¥" in html  # money in the English locale
    assert "<small>/ unit ·" in html and "/ 台" not in html  # the unit of sale as a word
    _, zh = page(app, "/search", q="复印纸")
    assert re.search(r"<span>(微型|小型|中型|大型)</span>", zh) and "¥" in zh
    assert "<small>/ 台 ·" in zh
