"""Running searches and shaping their results; no Flask request objects here."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mall.catalog.models import Category, CategoryAttribute
from mall.errors import BadRequest, ServiceUnavailable
from mall.i18n import current_language
from mall.labels import labeller, unit_label
from mall.search.client import UNAVAILABLE_ERRORS, NotFoundError, SearchEngine, TransportError
from mall.search.documents import number_keyword
from mall.search.query import AttributeInfo, build_search_body, build_suggest_body, compact
from mall.search.scopes import scope_cache

log = logging.getLogger(__name__)


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(
        "Search is temporarily unavailable; please try again in a moment.",
        code="search_unavailable",
        details={"reason": type(exc).__name__},
    )


def _run(engine: SearchEngine, alias: str, body: dict[str, Any]) -> dict[str, Any]:
    """One search; any failure of the engine (down, slow, index missing) is a 503."""
    try:
        return engine.search(alias, body)
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc
    except NotFoundError as exc:  # the alias is not built yet
        log.error("search index %s missing: %s", alias, exc)
        raise _unavailable(exc) from exc
    except TransportError as exc:
        if exc.status_code == 400:
            # The engine cannot run this query (a value it cannot parse or hold, too many
            # terms): the request's doing, so the client hears why; logged in case the
            # builder, not the request, is at fault.
            log.warning("search engine refused a query: %s", exc)
            raise BadRequest(
                "The search engine cannot run this search; check the filter values.",
                code="search_rejected",
                details={"reason": exc.error if isinstance(exc.error, str) else "bad_request"},
            ) from exc
        log.error("search engine error: %s", exc)  # 401/403/429/5xx: not the client's
        raise _unavailable(exc) from exc


def _info(attribute: CategoryAttribute) -> AttributeInfo:
    return AttributeInfo(key=attribute.key, type=attribute.type, name_zh=attribute.name_zh,
                         name_en=attribute.name_en, unit=attribute.unit)


@dataclass
class AttributeScope:
    """Attributes a search may filter on (``known``) and those it counts (``facets``)."""

    known: dict[str, AttributeInfo]
    facets: list[AttributeInfo]


def attribute_scope(session: Session, category_code: str | None,
                    cache_seconds: float = 0) -> AttributeScope:
    """With a category: its own, its ancestors' and its descendants' attributes, faceting on
    its facetable ones. Without: every attribute of every category, no attribute facets.

    Kept for ``cache_seconds`` in this process (see ``mall.search.scopes``).
    """
    cached = scope_cache.get(category_code, cache_seconds)
    if cached is not None:
        return cast(AttributeScope, cached)
    scope = _read_attribute_scope(session, category_code)
    if cache_seconds > 0:
        scope_cache.put(category_code, scope)
    return scope


def _read_attribute_scope(session: Session, category_code: str | None) -> AttributeScope:
    if not category_code:
        rows = session.scalars(select(CategoryAttribute).order_by(CategoryAttribute.id))
        known: dict[str, AttributeInfo] = {}
        for row in rows:
            known.setdefault(row.key, _info(row))
        return AttributeScope(known, [])
    category = session.scalar(select(Category).where(Category.code == category_code))
    if category is None:
        raise BadRequest(f"There is no category with the code {category_code!r}.",
                         code="unknown_category", details={"category": category_code})
    related = session.scalars(
        select(Category).where(or_(Category.path.startswith(category.path),
                                   Category.code.in_(category.ancestor_codes)))
    ).all()
    known = {}
    for attribute in category.attributes:
        known[attribute.key] = _info(attribute)
    for other in related:
        for attribute in other.attributes:
            known.setdefault(attribute.key, _info(attribute))
    facets = [_info(a) for a in category.attributes if a.facet]
    if not facets:  # a parent category: count its children's facetable attributes
        seen: set[str] = set()
        for other in related:
            if other.path.startswith(category.path):
                for a in other.attributes:
                    if a.facet and a.key not in seen:
                        seen.add(a.key)
                        facets.append(_info(a))
    return AttributeScope(known, facets)


def _check_attribute_filters(request: dict[str, Any], scope: AttributeScope) -> None:
    for key, values in request.get("attributes", {}).items():
        info = scope.known.get(key)
        if info is None:
            where = f"category {request['category']}" if request.get("category") else "any category"
            raise BadRequest(
                f"attr.{key} is not an attribute of {where}.",
                code="unknown_attribute",
                details={"attribute": key, "known": sorted(scope.known)},
            )
        if info.type == "number":
            for value in values:
                try:
                    finite = math.isfinite(float(value))
                except ValueError:
                    finite = False
                if not finite:
                    raise BadRequest(f"attr.{key} takes finite numbers; {value!r} is not one.",
                                     code="invalid_attribute_value",
                                     details={"attribute": key, "value": value})


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
        "image_hash": src.get("image_hash"),
    }
    if "highlight" in hit:
        item["highlight"] = {k: v[0] for k, v in hit["highlight"].items()}
    return item


def _buckets(agg: dict[str, Any]) -> list[dict[str, Any]]:
    buckets: list[dict[str, Any]] = agg["v"]["buckets"]  # the engine's response shape
    return buckets


def _attribute_buckets(info: AttributeInfo, buckets: list[dict[str, Any]],
                       code_label: Callable[[Any, str], str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    unit = unit_label(info.unit) if info.type == "number" else ""
    for b in buckets:
        if info.type == "number":
            value = number_keyword(b["key"])
            label = f"{value} {unit}" if unit else value
        elif info.type == "bool":
            value = "true" if b["key"] in (1, True, "true") else "false"
            label = code_label(value, "bool")
        else:
            value = label = str(b["key"])
        out.append({"value": value, "label": label, "count": b["doc_count"]})
    return out


def _facets(aggs: dict[str, Any], facet_attributes: list[AttributeInfo]) -> dict[str, Any]:
    def first(bucket: dict[str, Any], name: str) -> str | None:
        inner = bucket.get(name, {}).get("buckets", [])
        return inner[0]["key"] if inner else None

    # Labels in the reader's language (?lang=, the cookie, Accept-Language), one at a time.
    english = current_language() == "en"
    code_label = labeller()

    def category_name(bucket: dict[str, Any]) -> str | None:
        zh, en = first(bucket, "zh"), first(bucket, "en")
        return (en or zh) if english else (zh or en)

    stats = aggs["price"]["v"]
    facets: dict[str, Any] = {
        "category": [{"value": b["key"], "label": category_name(b) or b["key"],
                      "label_en": first(b, "en"), "count": b["doc_count"]}
                     for b in _buckets(aggs["category"])],
        "brand": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                  for b in _buckets(aggs["brand"])],
        "supplier": [{"value": str(b["key"]), "label": first(b, "name") or str(b["key"]),
                      "count": b["doc_count"]} for b in _buckets(aggs["supplier"])],
        "supplier_size": [{"value": b["key"], "label": code_label(b["key"], "size"),
                           "count": b["doc_count"]} for b in _buckets(aggs["supplier_size"])],
        "agreement": [{"value": b["key"], "label": b["key"], "count": b["doc_count"]}
                      for b in _buckets(aggs["agreement"])],
        "sme": [{"value": "true" if b["key"] else "false",
                 "label": code_label("true" if b["key"] else "false", "sme"),
                 "count": b["doc_count"]} for b in _buckets(aggs["sme"])],
        "region": [{"value": b["key"], "label": code_label(b["key"], "region"),
                    "count": b["doc_count"]} for b in _buckets(aggs["region"])],
        "in_stock": sum(b["doc_count"] for b in _buckets(aggs["in_stock"]) if b["key"]),
        "price": {"min": None if stats["min"] is None else f"{stats['min']:.2f}",
                  "max": None if stats["max"] is None else f"{stats['max']:.2f}"},
        "attributes": {},
        "attribute_names": {},
    }
    for info in facet_attributes:
        buckets = aggs[f"attr.{info.key}"]["v"]["k"]["values"]["buckets"]
        facets["attributes"][info.key] = _attribute_buckets(info, buckets, code_label)
        facets["attribute_names"][info.key] = {
            "name_zh": info.name_zh, "name_en": info.name_en, "unit": info.unit,
            "type": info.type}
    return facets


def search_offers(
    engine: SearchEngine,
    alias: str,
    session: Session,
    request: dict[str, Any],
    visible_regions: list[str] | None = None,
    attribute_cache_seconds: float = 0,
) -> dict[str, Any]:
    """Run one validated search request; the result is the API's JSON shape."""
    if request.get("category") or request.get("attributes"):
        scope = attribute_scope(session, request.get("category"), attribute_cache_seconds)
    else:  # nothing to type or count: skip reading every category's attributes
        scope = AttributeScope({}, [])
    _check_attribute_filters(request, scope)
    body = build_search_body(request, visible_regions=visible_regions,
                             attributes=scope.known, facet_attributes=scope.facets)
    response = _run(engine, alias, body)
    return {
        "total": response["hits"]["total"]["value"],
        "page": request.get("page", 1),
        "per_page": request.get("per_page", 20),
        "items": [_hit_json(h) for h in response["hits"]["hits"]],
        "facets": _facets(response["aggregations"], scope.facets),
    }


def suggest(engine: SearchEngine, alias: str, q: str) -> dict[str, Any]:
    response = _run(engine, alias, build_suggest_body(q))
    aggs = response["aggregations"]
    lowered = q.lower()
    suggestions = [{"text": b["key"], "kind": "category"}
                   for b in aggs["categories"]["v"]["buckets"]]
    # A brand completes only what was typed as a brand, not a word in a title.
    suggestions += [{"text": b["key"], "kind": "brand"} for b in aggs["brands"]["v"]["buckets"]
                    if compact(b["key"]).startswith(compact(lowered))]
    suggestions += [{"text": b["key"], "kind": "model"} for b in aggs["models"]["v"]["buckets"]]
    suggestions += [{"text": h["_source"]["title"], "kind": "product"}
                    for h in response["hits"]["hits"]]
    seen: set[str] = set()
    unique = []
    for s in suggestions:
        if s["text"].lower() not in seen:
            seen.add(s["text"].lower())
            unique.append(s)
    return {"suggestions": unique[:10]}
