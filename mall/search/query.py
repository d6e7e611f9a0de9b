"""A pure function from a validated search request to an OpenSearch request body."""

from __future__ import annotations

import re
from typing import Any

FACET_SIZE = 30
TEXT_FIELDS_EXACT = ["model.compact^12", "brand_model^12", "brand.folded^8", "sku^10", "gtin^10"]
# A token that looks like a model number: letters and digits together, or long digit runs.
_MODEL_LIKE = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9\-_.]+$|^\d{4,}$", re.IGNORECASE)


def _compact(text: str) -> str:
    return re.sub(r"[\s\-_./·（）()]+", "", text).lower()


def _text_query(q: str) -> dict[str, Any]:
    words = q.split()
    model_like = any(_MODEL_LIKE.match(w) for w in words)
    should: list[dict[str, Any]] = [
        # Exact model / brand / SKU matches outrank everything.
        {"term": {"model.compact": {"value": _compact(q), "boost": 40}}},
        {"term": {"brand_model": {"value": _compact(q), "boost": 40}}},
        {"term": {"brand.folded": {"value": _compact(q), "boost": 20}}},
        {"term": {"sku": {"value": q.lower(), "boost": 30}}},
        # Title phrase above title words above description.
        {"match_phrase": {"title": {"query": q, "boost": 8, "slop": 1}}},
        {"match_phrase": {"title.en": {"query": q, "boost": 6, "slop": 1}}},
        {"match": {"title": {"query": q, "boost": 4, "operator": "and"}}},
        {"match": {"title_en": {"query": q, "boost": 3, "operator": "and"}}},
        {"match": {"category.name_zh": {"query": q, "boost": 3, "operator": "and"}}},
        {"match": {"category.name_en": {"query": q, "boost": 3, "operator": "and"}}},
        {"match": {"model.text": {"query": q, "boost": 6}}},
        {"match": {"attrs_text": {"query": q, "boost": 1.5}}},
        {"match": {"description": {"query": q, "boost": 0.5}}},
    ]
    for word in words:
        if _MODEL_LIKE.match(word):
            should.append({"term": {"model.compact": {"value": _compact(word), "boost": 20}}})
    # The recall net: every word must match somewhere. Typos are tolerated for longer words,
    # but never when the query looks like a model number.
    recall = {
        "multi_match": {
            "query": q,
            "type": "cross_fields",
            "fields": ["title", "title.en", "title_en", "brand.text", "model.text",
                       "category.name_zh", "category.name_en", "attrs_text", "supplier.name.text"],
            "operator": "and",
        }
    }
    fuzzy_recall = {
        "multi_match": {
            "query": q,
            "type": "best_fields",
            "fields": ["title.en", "title_en", "brand.text", "category.name_en"],
            "fuzziness": "AUTO:5,9",
            "prefix_length": 1,
            "operator": "and",
        }
    }
    must_any = [recall] if model_like else [recall, fuzzy_recall]
    must_any += [{"term": {"model.compact": _compact(q)}}, {"term": {"brand_model": _compact(q)}}]
    return {
        "bool": {
            "must": [{"bool": {"should": must_any, "minimum_should_match": 1}}],
            "should": should,
        }
    }


def _filters(request: dict[str, Any]) -> dict[str, list]:
    """Filters by facet name, so each facet can be counted without its own filter."""
    by_facet: dict[str, list[dict[str, Any]]] = {}
    if request.get("category"):
        by_facet["category"] = [{"term": {"category.path": request["category"]}}]
    if request.get("brand"):
        by_facet["brand"] = [{"terms": {"brand": request["brand"]}}]
    if request.get("supplier"):
        by_facet["supplier"] = [{"terms": {"supplier.id": request["supplier"]}}]
    if request.get("supplier_size"):
        by_facet["supplier_size"] = [{"terms": {"supplier.size": request["supplier_size"]}}]
    if request.get("sme") is not None:
        by_facet.setdefault("supplier_size", []).append({"term": {"supplier.sme": request["sme"]}})
    if request.get("agreement"):
        by_facet["agreement"] = [{"term": {"agreement.number": request["agreement"]}}]
    if request.get("region"):
        by_facet["region"] = [{"terms": {"regions": [request["region"], "*"]}}]
    price: dict[str, float] = {}
    if request.get("price_min") is not None:
        price["gte"] = float(request["price_min"])
    if request.get("price_max") is not None:
        price["lte"] = float(request["price_max"])
    if price:
        by_facet["price"] = [{"range": {"price": price}}]
    if request.get("in_stock"):
        by_facet["in_stock"] = [{"term": {"in_stock": True}}]
    for key, values in sorted(request.get("attributes", {}).items()):
        by_facet[f"attr.{key}"] = [{
            "nested": {
                "path": "attrs",
                "query": {"bool": {"filter": [
                    {"term": {"attrs.key": key}},
                    {"terms": {"attrs.keyword": values}},
                ]}},
            }
        }]
    return by_facet


def _all_except(by_facet: dict[str, list], name: str) -> list[dict[str, Any]]:
    return [f for facet, filters in by_facet.items() if facet != name for f in filters]


_SORTS: dict[str, list[Any]] = {
    "relevance": ["_score", {"price": "asc"}, {"offer_id": "asc"}],
    "price_asc": [{"price": "asc"}, {"offer_id": "asc"}],
    "price_desc": [{"price": "desc"}, {"offer_id": "asc"}],
    "newest": [{"created_at": "desc"}, {"offer_id": "desc"}],
}


def build_search_body(
    request: dict[str, Any],
    *,
    visible_regions: list[str] | None = None,
    facet_attributes: list[str] | None = None,
) -> dict[str, Any]:
    """Build the body for one search.

    ``request`` is the output of ``SearchRequestSchema``. ``visible_regions`` limits results
    to offers delivering there (a logged-in purchaser's region). ``facet_attributes`` lists the
    attribute keys of the chosen category to count.
    """
    q = request.get("q", "").strip()
    by_facet = _filters(request)
    query: dict[str, Any] = _text_query(q) if q else {"match_all": {}}
    if visible_regions is not None:
        # A purchaser never sees offers that do not deliver to it, whatever the facets say.
        query = {"bool": {"must": [query],
                          "filter": [{"terms": {"regions": [*visible_regions, "*"]}}]}}
    page, per_page = request.get("page", 1), request.get("per_page", 20)

    def facet(name: str, agg: dict[str, Any]) -> dict[str, Any]:
        # Post-filter style: each facet counts with every filter except its own.
        return {"filter": {"bool": {"filter": _all_except(by_facet, name)}}, "aggs": {"v": agg}}

    aggs: dict[str, Any] = {
        "category": facet("category", {"terms": {"field": "category.code", "size": FACET_SIZE},
                                        "aggs": {"zh": {"terms": {"field": "category.name_zh.raw",
                                                                  "size": 1}},
                                                 "en": {"terms": {"field": "category.name_en.raw",
                                                                  "size": 1}}}}),
        "brand": facet("brand", {"terms": {"field": "brand", "size": FACET_SIZE}}),
        "supplier": facet("supplier", {"terms": {"field": "supplier.id", "size": FACET_SIZE},
                                        "aggs": {"name": {"terms": {"field": "supplier.name",
                                                                    "size": 1}}}}),
        "supplier_size": facet("supplier_size", {"terms": {"field": "supplier.size"}}),
        "agreement": facet("agreement", {"terms": {"field": "agreement.number",
                                                    "size": FACET_SIZE}}),
        "region": facet("region", {"terms": {"field": "regions", "size": FACET_SIZE}}),
        "price": facet("price", {"stats": {"field": "price"}}),
    }
    for key in facet_attributes or []:
        aggs[f"attr.{key}"] = facet(f"attr.{key}", {
            "nested": {"path": "attrs"},
            "aggs": {"k": {"filter": {"term": {"attrs.key": key}},
                           "aggs": {"values": {"terms": {"field": "attrs.keyword",
                                                         "size": FACET_SIZE}}}}},
        })

    body: dict[str, Any] = {
        "query": query,
        "post_filter": {"bool": {"filter": [f for fs in by_facet.values() for f in fs]}},
        "sort": _SORTS[request.get("sort", "relevance")],
        "from": (page - 1) * per_page,
        "size": per_page,
        "track_total_hits": True,
        "aggs": aggs,
        "_source": {"excludes": ["suggest", "attrs_text"]},
    }
    if q:
        body["highlight"] = {
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
            "fields": {"title": {"number_of_fragments": 0},
                       "title_en": {"number_of_fragments": 0}},
        }
    return body


def build_suggest_body(q: str, size: int = 8) -> dict[str, Any]:
    return {
        "size": 0,
        "query": {"match": {"suggest": {"query": q, "operator": "and"}}},
        "aggs": {
            "brands": {"filter": {"prefix": {"brand.folded": _compact(q)}},
                       "aggs": {"v": {"terms": {"field": "brand", "size": 3}}}},
            "categories": {"terms": {"field": "category.name_zh.raw", "size": 3}},
            "titles": {"terms": {"field": "suggest.raw", "size": size}},
        },
    }
