"""Running searches and shaping their results; no Flask request objects here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.catalog.models import Category
from mall.errors import ServiceUnavailable
from mall.search.client import UNAVAILABLE_ERRORS, SearchEngine
from mall.search.query import build_search_body, build_suggest_body


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(
        "Search is temporarily unavailable; please try again in a moment.",
        code="search_unavailable",
        details={"reason": type(exc).__name__},
    )


def facet_attribute_keys(session: Session, category_code: str | None) -> list[str]:
    if not category_code:
        return []
    category = session.scalar(select(Category).where(Category.code == category_code))
    if category is None:
        return []
    return [a.key for a in category.attributes if a.facet]


def _hit_json(hit: dict[str, Any]) -> dict[str, Any]:
    src = hit["_source"]
    item = {
        "offer_id": src["offer_id"],
        "product_id": src["product_id"],
        "sku": src["sku"],
        "title": src["title"],
        "title_en": src.get("title_en"),
        "brand": src["brand"],
        "model": src["model"],
        "price": {"amount": f"{src['price']:.2f}", "currency": src["currency"]},
        "unit": src.get("unit"),
        "stock": src["stock"],
        "lead_time_days": src["lead_time_days"],
        "supplier": {k: src["supplier"][k] for k in ("id", "name", "size")},
        "agreement": {"number": src["agreement"]["number"]},
        "category": {"code": src["category"]["code"], "name": src["category"]["name_zh"],
                     "name_en": src["category"]["name_en"]},
        "regions": src["regions"],
        "valid_until": src["valid_until"],
    }
    if "highlight" in hit:
        item["highlight"] = {k: v[0] for k, v in hit["highlight"].items()}
    return item


def _buckets(agg: dict[str, Any]) -> list[dict[str, Any]]:
    return agg["v"]["buckets"]


def _facets(aggs: dict[str, Any]) -> dict[str, Any]:
    def first(bucket: dict[str, Any], name: str) -> str | None:
        inner = bucket.get(name, {}).get("buckets", [])
        return inner[0]["key"] if inner else None

    stats = aggs["price"]["v"]
    facets: dict[str, Any] = {
        "category": [{"value": b["key"], "label": first(b, "zh") or b["key"],
                      "label_en": first(b, "en"), "count": b["doc_count"]}
                     for b in _buckets(aggs["category"])],
        "brand": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                  for b in _buckets(aggs["brand"])],
        "supplier": [{"value": str(b["key"]), "label": first(b, "name") or str(b["key"]),
                      "count": b["doc_count"]} for b in _buckets(aggs["supplier"])],
        "supplier_size": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                          for b in _buckets(aggs["supplier_size"])],
        "agreement": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                      for b in _buckets(aggs["agreement"])],
        "region": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                   for b in _buckets(aggs["region"])],
        "price": {"min": None if stats["min"] is None else f"{stats['min']:.2f}",
                  "max": None if stats["max"] is None else f"{stats['max']:.2f}"},
        "attributes": {},
    }
    for name, agg in aggs.items():
        if name.startswith("attr."):
            buckets = agg["v"]["k"]["values"]["buckets"]
            facets["attributes"][name[5:]] = [
                {"value": b["key"], "label": b["key"], "count": b["doc_count"]} for b in buckets
            ]
    return facets


def search_offers(
    engine: SearchEngine,
    alias: str,
    session: Session,
    request: dict[str, Any],
    visible_regions: list[str] | None = None,
) -> dict[str, Any]:
    body = build_search_body(
        request,
        visible_regions=visible_regions,
        facet_attributes=facet_attribute_keys(session, request.get("category")),
    )
    try:
        response = engine.search(alias, body)
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc
    return {
        "total": response["hits"]["total"]["value"],
        "page": request.get("page", 1),
        "per_page": request.get("per_page", 20),
        "items": [_hit_json(h) for h in response["hits"]["hits"]],
        "facets": _facets(response["aggregations"]),
    }


def suggest(engine: SearchEngine, alias: str, q: str) -> dict[str, Any]:
    try:
        response = engine.search(alias, build_suggest_body(q))
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc
    aggs = response["aggregations"]
    suggestions = [{"text": b["key"], "kind": "brand"} for b in aggs["brands"]["v"]["buckets"]]
    suggestions += [{"text": b["key"], "kind": "category"}
                    for b in aggs["categories"]["buckets"]]
    suggestions += [{"text": b["key"], "kind": "product"} for b in aggs["titles"]["buckets"]]
    seen: set[str] = set()
    unique = []
    for s in suggestions:
        if s["text"].lower() not in seen:
            seen.add(s["text"].lower())
            unique.append(s)
    return {"suggestions": unique[:10]}
