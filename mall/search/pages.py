"""Search pages: results with facets and chips, and one offer beside the same product elsewhere."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, render_template, request

from mall.accounts.permissions import optional_auth, optional_user, purchaser_regions
from mall.catalog.models import Offer
from mall.catalog.products import product_offers
from mall.db import db
from mall.errors import ApiError, NotFound
from mall.search.schemas import SORTS
from mall.search.views import run_search

pages = Blueprint("search_pages", __name__)


@pages.get("/search")
@optional_auth
def search_page() -> Any:
    try:
        results, error = run_search(request.args), None
    except ApiError as exc:
        results, error = None, exc
    status = error.status if error else 200
    return render_template("search/results.html", results=results, error=error,
                           args=request.args, sorts=SORTS,
                           chips=active_filters(request.args, results)), status


@pages.get("/offers/<int:offer_id>")
@optional_auth
def offer_page(offer_id: int) -> Any:
    """One offer and the same product from every other supplier, cheapest first."""
    session = db.session()
    offer = session.get(Offer, offer_id)
    regions = purchaser_regions(optional_user())
    today = date.today()
    offers = product_offers(session, offer.product_id, today, regions) if offer else []
    if offer is None or offer.id not in {o.id for o in offers}:
        # Hidden offers (expired, suspended, elsewhere) are as absent as missing ones.
        raise NotFound("This offer does not exist or is not available to you.",
                       code="offer_not_found")
    # submit_key: the rotation request form's idempotency key (one requisition per render).
    return render_template("search/offer.html", offer=offer, offers=offers,
                           submit_key=uuid.uuid4().hex)


_FILTER_LABELS = {
    "category": "分类 Category", "brand": "品牌 Brand", "supplier": "供应商 Supplier",
    "supplier_size": "规模 Size", "sme": "中小企业 SME", "agreement": "协议 Agreement",
    "region": "地区 Region", "price_min": "最低价 Min price", "price_max": "最高价 Max price",
    "in_stock": "有货 In stock",
}


def active_filters(args: Any, results: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One removable chip per active filter value, labelled from the facets where possible."""
    facets = (results or {}).get("facets", {})
    names = facets.get("attribute_names", {})
    chips = []
    for name in args:
        if name in ("q", "page", "per_page", "sort"):
            continue
        for value in args.getlist(name):
            if value == "":
                continue
            if name.startswith("attr."):
                key = name[5:]
                label = names.get(key, {}).get("name_zh") or key
                buckets = facets.get("attributes", {}).get(key, [])
                shown = next((b["label"] for b in buckets if b["value"] == value), value)
            else:
                label = _FILTER_LABELS.get(name, name)
                buckets = facets.get(name) if isinstance(facets.get(name), list) else []
                shown = next((b["label"] for b in buckets if b["value"] == value), value)
            chips.append({"label": label, "value": shown,
                          "remove": combine_facet(args, name, value, True)})
    return chips


@pages.app_template_filter("combine_facet")
def combine_facet(args: Any, name: str, value: str, active: bool) -> dict[str, list[str]]:
    """Query arguments with one facet value toggled, back on the first page."""
    combined = {k: list(v) for k, v in args.lists() if k != "page"}
    values = [v for v in combined.get(name, []) if v != value]
    if not active:
        values.append(value)
    combined[name] = values
    return {k: v for k, v in combined.items() if v}


@pages.app_template_filter("with_args")
def with_args(args: Any, **changes: Any) -> dict[str, list[str]]:
    """Query arguments with some replaced (sort, page); ``None`` removes one."""
    combined = {k: list(v) for k, v in args.lists()}
    for key, value in changes.items():
        if value is None:
            combined.pop(key, None)
        else:
            combined[key] = [str(value)]
    return {k: v for k, v in combined.items() if v}
