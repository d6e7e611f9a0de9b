"""GET /api/v1/search and /search/suggest against the real OpenSearch node.

One catalog (the relevance catalog: 220 offers, 9 leaf categories, 6 suppliers of every size
class, regional and nationwide delivery, out-of-stock offers) is indexed once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from mall.search.documents import document_or_none
from tests.factories.accounts import auth_headers, buyer, make_org
from tests.factories.catalog import make_agreement, make_offer
from tests.search.relevance_data import (
    CHAIR,
    DESKTOP,
    LAPTOP,
    MONITOR,
    PAPER,
    build_catalog,
)
from tests.support import index_offers


@dataclass
class World:
    session: Session
    offers: dict[int, Offer]
    expired_title: str


@pytest.fixture(scope="module")
def world(module_session: Session, search_index: str, opensearch: OpenSearch) -> Iterator[World]:
    catalog = build_catalog(module_session)
    # Expired yesterday but still in the index (the indexer has not caught up): the query's
    # own validity filter must hide it.
    stale = make_offer(module_session, title="过期 测试专用 商品 ZZ-STALE",
                       title_en="stale test-only item ZZ-STALE", model="ZZ-STALE",
                       valid_until=date.today() - timedelta(days=1))
    index_offers(opensearch, search_index, [*catalog.offers, stale])
    yield World(module_session, {o.id: o for o in catalog.offers}, stale.title)


def get(app: Flask, path: str = "/api/v1/search", headers: dict[str, str] | None = None,
        **params: Any) -> Any:
    response = app.test_client().get(path, query_string=params, headers=headers or {})
    return response


def ok(app: Flask, **params: Any) -> dict[str, Any]:
    response = get(app, per_page=params.pop("per_page", 100), **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def offers_of(world: World, body: dict[str, Any]) -> list[Offer]:
    return [world.offers[i["offer_id"]] for i in body["items"]]


@pytest.mark.smoke
def test_shape_matches_the_contract(app: Flask, world: World) -> None:
    body = ok(app, q="thinkpad e14", per_page=5)
    assert set(body) >= {"total", "items", "facets", "page", "per_page"}
    item = body["items"][0]
    assert set(item) >= {"offer_id", "product_id", "sku", "title", "brand", "model", "price",
                         "supplier", "agreement", "category", "highlight"}
    assert set(item["supplier"]) == {"id", "name", "size"}
    assert Decimal(item["price"]["amount"]) > 0 and item["price"]["currency"] == "CNY"
    assert "<mark>" in item["highlight"]["title"]
    assert set(body["facets"]) >= {"category", "brand", "supplier", "supplier_size",
                                   "attributes", "price"}


@pytest.mark.smoke
def test_category_filter_includes_descendants(app: Flask, world: World) -> None:
    body = ok(app, category="RA0201")
    assert body["total"] == 16 * 5  # 8 laptops, 3 desktops, 5 monitors, 5 offers each
    assert {o.category.code for o in offers_of(world, body)} == {LAPTOP, DESKTOP, MONITOR}
    assert {o.category.code for o in offers_of(world, ok(app, category=LAPTOP))} == {LAPTOP}


def test_brand_filter_combines_values_and_its_facet_keeps_the_others(app: Flask,
                                                                     world: World) -> None:
    body = ok(app, brand=["Lenovo", "HP"], category=LAPTOP)
    assert {o.brand for o in offers_of(world, body)} == {"Lenovo", "HP"}
    assert body["total"] == 25
    brands = {b["value"]: b["count"] for b in body["facets"]["brand"]}
    assert brands == {"Lenovo": 15, "HP": 10, "Dell": 10, "Huawei": 5}


def test_supplier_size_sme_and_supplier_filters(app: Flask, world: World) -> None:
    micro = offers_of(world, ok(app, supplier_size="micro", category=PAPER))
    assert micro and {o.supplier.size for o in micro} == {"micro"}
    large = offers_of(world, ok(app, sme="false", category=PAPER))
    assert large and {o.supplier.size for o in large} == {"large"}
    sme = offers_of(world, ok(app, sme="true", category=PAPER))
    assert sme and "large" not in {o.supplier.size for o in sme}
    supplier_id = micro[0].supplier_id
    body = ok(app, supplier=str(supplier_id))
    assert {o.supplier_id for o in offers_of(world, body)} == {supplier_id}
    facet = {b["value"]: b for b in body["facets"]["supplier"]}
    assert facet[str(supplier_id)]["label"] == micro[0].supplier.name
    sizes = {b["value"] for b in ok(app)["facets"]["supplier_size"]}
    assert sizes == {"micro", "small", "medium", "large"}


def test_agreement_region_price_and_stock_filters(app: Flask, world: World) -> None:
    chairs = offers_of(world, ok(app, category=CHAIR))
    number = chairs[0].agreement.number
    assert {o.agreement.number for o in offers_of(world, ok(app, agreement=number))} == {number}

    guangdong = offers_of(world, ok(app, region="CN-GD"))
    assert guangdong and all({"CN-GD", "*"} & set(o.regions) for o in guangdong)
    assert any(o.regions == ["CN-GD"] for o in guangdong)

    priced = ok(app, price_min="100", price_max="500")
    assert priced["total"] > 0
    assert all(Decimal("100") <= o.price <= Decimal("500") for o in offers_of(world, priced))

    everything, in_stock = ok(app), ok(app, in_stock="true")
    assert 0 < in_stock["total"] < everything["total"]
    assert all(o.stock > 0 for o in offers_of(world, in_stock))
    assert everything["facets"]["in_stock"] == in_stock["total"]
    price = everything["facets"]["price"]
    assert Decimal(price["min"]) == min(o.price for o in world.offers.values())


def test_attribute_filters_and_facets_are_typed(app: Flask, world: World) -> None:
    body = ok(app, category=PAPER, **{"attr.size": "A4", "attr.weight_gsm": "80"})
    papers = offers_of(world, body)
    assert papers and all(o.attributes == {"size": "A4", "weight_gsm": 80} for o in papers)
    facets = body["facets"]["attributes"]
    # Each attribute facet ignores its own filter: both weights stay countable.
    assert [b["label"] for b in facets["weight_gsm"]] == ["70 g/m²", "80 g/m²"]
    # Sizes are counted under the weight filter only: 80 g comes in A4 (3 products) and A3 (1).
    assert {b["value"]: b["count"] for b in facets["size"]} == {"A4": 15, "A3": 5}
    assert body["facets"]["attribute_names"]["weight_gsm"] == {
        "name_zh": "克重", "name_en": "Weight", "unit": "g/m²", "type": "number"}

    touch = offers_of(world, ok(app, category=LAPTOP, **{"attr.touchscreen": "true"}))
    assert touch and {o.model for o in touch} == {"ThinkPad X1 Carbon"}
    ram = ok(app, category=LAPTOP, **{"attr.memory_gb": ["8", "32"]})
    assert {o.attributes["memory_gb"] for o in offers_of(world, ram)} == {8, 32}
    labels = [b["label"] for b in ram["facets"]["attributes"]["memory_gb"]]
    assert labels == ["8 GB", "16 GB", "32 GB"]  # numbers in numeric order


def test_parent_category_counts_its_children_attributes(app: Flask, world: World) -> None:
    facets = ok(app, category="RA0201")["facets"]["attributes"]
    assert {"cpu", "memory_gb", "screen_in"} <= set(facets)


@pytest.mark.parametrize(("params", "code"), [
    ({"attr.colour": "red"}, "unknown_attribute"),
    ({"category": PAPER, "attr.memory_gb": "16"}, "unknown_attribute"),
    ({"category": LAPTOP, "attr.memory_gb": "lots"}, "invalid_attribute_value"),
    ({"category": "NOPE"}, "unknown_category"),
    ({"q": "x" * 201}, "query_too_long"),
    ({"page": "101", "per_page": "20"}, "page_too_deep"),
    ({"sort": "cheapest"}, "validation_failed"),
    ({"price_min": "abc"}, "validation_failed"),
    ({"per_page": "101"}, "validation_failed"),
])
def test_bad_requests_are_clear_400s(app: Flask, world: World, params: dict[str, str],
                                     code: str) -> None:
    response = get(app, **params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    if code == "unknown_attribute":
        assert error["details"]["attribute"] in ("colour", "memory_gb")


def test_facet_counts_add_up(app: Flask, world: World) -> None:
    body = ok(app, q="联想")
    assert sum(b["count"] for b in body["facets"]["category"]) == body["total"]
    assert sum(b["count"] for b in body["facets"]["sme"]) == body["total"]
    assert {b["value"] for b in body["facets"]["brand"]} == {"Lenovo"}


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "relevance"])
def test_sorts(app: Flask, world: World, sort: str) -> None:
    found = offers_of(world, ok(app, category=PAPER, sort=sort))
    prices = [o.price for o in found]
    if sort == "price_asc":
        assert prices == sorted(prices)
    elif sort == "price_desc":
        assert prices == sorted(prices, reverse=True)
    elif sort == "newest":
        created = [(o.created_at, o.id) for o in found]
        assert created == sorted(created, reverse=True)
    else:  # without text every score ties: cheapest first
        assert prices == sorted(prices)


def test_pages_do_not_overlap(app: Flask, world: World) -> None:
    first = ok(app, category=PAPER, per_page=10, page=1)
    second = ok(app, category=PAPER, per_page=10, page=2)
    ids1, ids2 = {i["offer_id"] for i in first["items"]}, {i["offer_id"] for i in second["items"]}
    assert len(ids1) == len(ids2) == 10 and not ids1 & ids2
    assert first["total"] == second["total"] == 40 and second["page"] == 2


def test_an_expired_offer_left_in_the_index_never_shows(app: Flask, world: World) -> None:
    assert ok(app, q="ZZ-STALE")["total"] == 0
    assert world.expired_title not in {i["title"] for i in ok(app)["items"]}


def test_a_purchaser_only_sees_offers_delivering_to_its_region(app: Flask, world: World
                                                                ) -> None:
    user = buyer(world.session, region="CN-SC")
    headers = auth_headers(app, world.session, user)
    response = get(app, headers=headers, per_page=100, category=PAPER)
    found = offers_of(world, response.get_json())
    assert found and all({"CN-SC", "*"} & set(o.regions) for o in found)
    assert any(o.regions == ["CN-SC"] for o in found)
    anonymous = ok(app, category=PAPER)
    assert response.get_json()["total"] < anonymous["total"]
    # A filter for another region cannot widen what the purchaser sees.
    other = get(app, headers=headers, region="CN-GD", category=PAPER).get_json()
    assert all("*" in o.regions for o in offers_of(world, other))


def test_only_visible_offers_get_documents(world: World) -> None:
    session, today = world.session, date.today()
    supplier = make_org(session, kind="supplier")
    agreement = make_agreement(session, suppliers=[supplier])
    visible = make_offer(session, agreement=agreement, supplier=supplier)
    assert document_or_none(visible, today) is not None
    for change in ("offer", "expired", "supplier", "agreement", "agreement_ended"):
        offer = make_offer(session, agreement=make_agreement(session, suppliers=[supplier]),
                           supplier=make_org(session, kind="supplier"))
        if change == "offer":
            offer.status = "suspended"
        elif change == "expired":
            offer.valid_until = today - timedelta(days=1)
        elif change == "supplier":
            offer.supplier.status = "suspended"
        elif change == "agreement":
            offer.agreement.status = "suspended"
        else:
            offer.agreement.ends_on = today - timedelta(days=1)
        assert document_or_none(offer, today) is None, change


def test_suggest(app: Flask, world: World) -> None:
    body = get(app, "/api/v1/search/suggest", q="thinkp").get_json()
    kinds = {(s["kind"], s["text"]) for s in body["suggestions"]}
    assert ("model", "ThinkPad E14") in kinds
    body = get(app, "/api/v1/search/suggest", q="复印").get_json()
    assert body["suggestions"][0] == {"text": "复印纸", "kind": "category"}
    assert get(app, "/api/v1/search/suggest", q="").get_json() == {"suggestions": []}
    too_long = get(app, "/api/v1/search/suggest", q="x" * 201)
    assert too_long.status_code == 400
    assert too_long.get_json()["error"]["code"] == "query_too_long"


@pytest.mark.parametrize("lang, how", [("zh", "query"), ("en", "query"), ("en", "header"),
                                       ("zh", "header")])
def test_facet_labels_are_in_one_language(app: Flask, world: World, lang: str,
                                          how: str) -> None:
    """Every facet label in the reader's language, never "中小企业 SME" both at once."""
    params: dict[str, Any] = {"category": LAPTOP}
    headers = {"Accept-Language": lang} if how == "header" else {}
    if how == "query":
        params["lang"] = lang
    response = get(app, headers=headers, **params)
    assert response.status_code == 200
    facets = response.get_json()["facets"]
    zh = lang == "zh"
    categories = {b["value"]: b["label"] for b in facets["category"]}
    assert categories[LAPTOP] == ("笔记本电脑" if zh else "Laptops")
    assert categories[PAPER] == ("复印纸" if zh else "Copy paper")
    assert {b["value"]: b["label"] for b in facets["sme"]} == (
        {"true": "中小企业", "false": "大型企业"} if zh
        else {"true": "SME", "false": "Large enterprise"})
    sizes = {b["value"]: b["label"] for b in facets["supplier_size"]}
    assert sizes["small"] == ("小型" if zh else "Small")
    regions = {b["value"]: b["label"] for b in facets["region"]}
    assert regions["*"] == ("全国" if zh else "Nationwide")
    assert regions["CN-GD"] == ("广东" if zh else "Guangdong")
    touch = {b["value"]: b["label"] for b in facets["attributes"]["touchscreen"]}
    assert touch == ({"true": "是", "false": "否"} if zh else {"true": "Yes", "false": "No"})
    han = re.compile(r"[\u3400-\u9fff]")
    for name in ("category", "sme", "supplier_size", "region"):
        for bucket in facets[name]:
            assert bool(han.search(bucket["label"])) == zh, (name, bucket)
