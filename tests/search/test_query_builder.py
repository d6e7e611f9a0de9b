"""The query builder as data: a pure function from a validated request to a body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from mall.errors import BadRequest
from mall.search.index import MAPPING_VERSION, MAPPINGS, SYNONYM_GROUPS, index_body
from mall.search.query import (
    AttributeInfo,
    build_search_body,
    build_suggest_body,
    compact,
    is_model_like,
    synonym_variants,
)
from mall.search.schemas import MAX_QUERY_LENGTH, MAX_RESULT_WINDOW, parse_search_args


def _request(**args: Any) -> dict[str, Any]:
    return parse_search_args(MultiDict(args))


def _flat(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def _find(node: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a nested body."""
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                found.append(v)
            found.extend(_find(v, key))
    elif isinstance(node, list):
        for item in node:
            found.extend(_find(item, key))
    return found


@pytest.mark.smoke
def test_mapping_is_strict_and_versioned() -> None:
    body = index_body()
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["_meta"]["mapping_version"] == MAPPING_VERSION
    assert MAPPINGS["properties"]["attrs"]["type"] == "nested"
    assert {"cjk_bigram"} <= {f["type"] for f in body["settings"]["analysis"]["filter"].values()}


def test_same_request_same_body_and_no_input_mutation() -> None:
    request = _request(q="联想 ThinkPad E14", brand="Lenovo", sort="price_asc")
    snapshot = _flat(request)
    assert _flat(build_search_body(request)) == _flat(build_search_body(request))
    assert _flat(request) == snapshot


@pytest.mark.smoke
def test_boost_order_exact_model_over_brand_over_phrase_over_words_over_description() -> None:
    body = build_search_body(_request(q="thinkpad e14"))
    should = body["query"]["bool"]["should"]

    def boost(kind: str, field: str) -> float:
        return max(c[kind][field]["boost"] for c in should
                   if kind in c and field in c[kind])

    exact_model = boost("term", "model.compact")
    brand = boost("term", "brand.folded")
    phrase = boost("match_phrase", "title.phrase")
    words = boost("match", "title")
    description = boost("match", "description")
    partial = boost("match", "all.partial")
    assert exact_model > brand > phrase > words > description
    assert words > partial  # whole words above matches inside longer words
    assert compact("ThinkPad-E14") == compact("thinkpad e14") == "thinkpade14"


def test_typos_tolerated_for_long_plain_words_never_for_model_numbers() -> None:
    assert is_model_like("E14") and is_model_like("CF276A") and is_model_like("80g")
    assert not is_model_like("lenovo") and not is_model_like("笔记本电脑")
    body = build_search_body(_request(q="lenvo"))
    assert _find(body, "fuzziness")
    for q in ("E14", "CF276A", "ThinkPad-E14"):
        fuzzy_queries = [c for c in _find(build_search_body(_request(q=q)), "match")
                         if any("fuzziness" in v for v in c.values() if isinstance(v, dict))]
        for clause in fuzzy_queries:
            assert not any(q.lower() in json.dumps(v).lower() for v in clause.values())
    # Mixed: the plain word is fuzzy, the model word must match exactly.
    mixed = build_search_body(_request(q="thinkpda e14"))
    fuzzy = [c for c in _find(mixed, "match") if "all.en" in c
             and "fuzziness" in c["all.en"]]
    assert fuzzy and fuzzy[0]["all.en"]["query"] == "thinkpda"


def test_synonyms_cross_languages() -> None:
    assert "笔记本电脑" in synonym_variants("laptop")
    assert any("laptop" in v for v in synonym_variants("便携式计算机"))
    assert any("联想" in v for v in synonym_variants("lenovo laptop"))
    assert synonym_variants("E14") == []
    assert all(g.zh for g in SYNONYM_GROUPS)


@pytest.mark.smoke
def test_every_filter_goes_to_post_filter_and_facets_exclude_their_own() -> None:
    request = _request(category="A02", brand="Lenovo,HP", supplier="3", supplier_size="small",
                       sme="true", agreement="GC-1", region="CN-BJ", price_min="10",
                       price_max="99.5", in_stock="true", **{"attr.memory_gb": "16",
                                                             "attr.cpu": "i5"})
    info = {"memory_gb": AttributeInfo("memory_gb", "number", unit="GB"),
            "cpu": AttributeInfo("cpu", "enum")}
    body = build_search_body(request, attributes=info, facet_attributes=list(info.values()))
    post = _flat(body["post_filter"])
    for fragment in ('"category.path": "A02"', '"brand": ["Lenovo", "HP"]',
                     '"supplier.id": [3]', '"supplier.size": ["small"]',
                     '"supplier.sme": true', '"agreement.number": ["GC-1"]',
                     '"regions": ["CN-BJ", "*"]', '"gte": 10.0', '"lte": 99.5',
                     '"in_stock": true', '"attrs.number": [16.0]', '"attrs.keyword": ["i5"]'):
        assert fragment in post, fragment
    brand_facet = _flat(body["aggs"]["brand"]["filter"])
    assert '"brand"' not in brand_facet and '"category.path"' in brand_facet
    assert set(body["aggs"]) >= {"category", "brand", "supplier", "supplier_size", "sme",
                                 "agreement", "region", "in_stock", "price", "attr.memory_gb",
                                 "attr.cpu"}
    number_agg = body["aggs"]["attr.memory_gb"]["aggs"]["v"]["aggs"]["k"]["aggs"]["values"]
    assert number_agg["terms"]["field"] == "attrs.number"


def test_visibility_filters_are_always_on_and_region_limits_purchasers() -> None:
    anonymous = build_search_body(_request())
    filters = _flat(anonymous["query"]["bool"]["filter"])
    assert '"valid_until": {"gte": "now/d"}' in filters
    assert '"agreement.ends_on": {"gte": "now/d"}' in filters
    purchaser = build_search_body(_request(q="laptop"), visible_regions=["CN", "CN-BJ"])
    assert '"regions": ["CN", "CN-BJ", "*"]' in _flat(purchaser["query"]["bool"]["filter"])


@pytest.mark.parametrize(("sort", "first"), [("relevance", "_score"),
                                             ("price_asc", {"price": "asc"}),
                                             ("price_desc", {"price": "desc"}),
                                             ("newest", {"created_at": "desc"})])
def test_sorts_and_paging(sort: str, first: Any) -> None:
    body = build_search_body(_request(sort=sort, page="3", per_page="25"))
    assert body["sort"][0] == first
    assert (body["from"], body["size"]) == (50, 25)


def test_highlight_only_with_text() -> None:
    assert "highlight" not in build_search_body(_request())
    assert build_search_body(_request(q="硒鼓"))["highlight"]["encoder"] == "html"


@pytest.mark.smoke
def test_limits_have_their_own_error_codes() -> None:
    with pytest.raises(BadRequest) as too_long:
        _request(q="x" * (MAX_QUERY_LENGTH + 1))
    assert too_long.value.code == "query_too_long"
    _request(q="x" * MAX_QUERY_LENGTH)
    with pytest.raises(BadRequest) as too_deep:
        _request(page=str(MAX_RESULT_WINDOW // 20 + 1), per_page="20")
    assert too_deep.value.code == "page_too_deep"
    assert too_deep.value.status == 400
    _request(page=str(MAX_RESULT_WINDOW // 20), per_page="20")
    with pytest.raises(BadRequest) as bad:
        _request(sort="cheapest", per_page="500", price_min="9", price_max="1")
    fields = {p["field"] for p in bad.value.details["problems"]}
    assert {"sort", "per_page"} <= fields


def test_suggest_body_completes_brands_models_and_categories() -> None:
    body = build_suggest_body("thinkp")
    assert body["aggs"]["models"]["filter"]["bool"]["should"][0] == {
        "prefix": {"model.compact": "thinkp"}}
    assert body["collapse"] == {"field": "product_id"}
