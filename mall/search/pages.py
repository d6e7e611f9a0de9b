"""Search pages: results with facets and chips, and one offer beside the same product elsewhere."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from mall.accounts.permissions import optional_auth, optional_user, purchaser_regions
from mall.catalog.models import Offer
from mall.catalog.products import product_offers
from mall.db import db
from mall.errors import ApiError, NotFound
from mall.i18n import current_language, in_language
from mall.i18n import lazy_gettext as _l
from mall.labels import label
from mall.search.schemas import MAX_PER_PAGE, MAX_RESULT_WINDOW, SORTS
from mall.search.views import run_search

pages = Blueprint("search_pages", __name__)


@pages.get("/search")
@optional_auth
def search_page() -> Any:
    # Page numbers a person typed are made valid, then checked against the total once it is
    # known: one redirect at most, to the page they can reach (never "page 100 of 20").
    args, changed = clamped_page_args(request.args)
    try:
        results, error = run_search(args), None
    except ApiError as exc:
        results, error = None, exc
    if results is not None and results["page"] > 1:
        last = last_page(results["total"], results["per_page"])
        if results["page"] > last:
            args, changed = MultiDict(with_args(args, page=last if last > 1 else None)), True
    if changed:
        return redirect(url_for("search_pages.search_page", **args.to_dict(flat=False)))
    status = error.status if error else 200
    return render_template("search/results.html", results=results, error=error,
                           args=request.args, sorts=SORTS,
                           chips=active_filters(request.args, results)), status


def _int_arg(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def clamped_page_args(args: Any) -> tuple[Any, bool]:
    """People's page numbers, made valid: non-numeric or below 1 is 1, beyond the paging
    window the window's last page. Returns the arguments and whether anything changed."""
    if "page" not in args and "per_page" not in args:
        return args, False
    per_page = min(max(_int_arg(args.get("per_page"), 20), 1), MAX_PER_PAGE)
    page = min(max(_int_arg(args.get("page"), 1), 1), max(MAX_RESULT_WINDOW // per_page, 1))
    changes: dict[str, Any] = with_args(args, page=page if page > 1 else None,
                                        per_page=per_page if "per_page" in args else None)
    fixed: MultiDict[str, str] = MultiDict(changes)
    return fixed, fixed.to_dict(flat=False) != args.to_dict(flat=False)


def last_page(total: int, per_page: int) -> int:
    """The last page a person can reach (at least 1, within the paging window)."""
    return max(1, min((total + per_page - 1) // per_page, MAX_RESULT_WINDOW // per_page))


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
        raise NotFound(_l("This offer does not exist or is not available to you."),
                       code="offer_not_found")
    # submit_key: the rotation request form's idempotency key (one requisition per render).
    return render_template("search/offer.html", offer=offer, offers=offers,
                           submit_key=uuid.uuid4().hex)


FILTER_LABELS = {
    "category": _l("Category"), "brand": _l("Brand"), "supplier": _l("Supplier"),
    "supplier_size": _l("Supplier size"), "sme": _l("SME"), "agreement": _l("Agreement"),
    "region": _l("Delivers to"), "price_min": _l("Min price"), "price_max": _l("Max price"),
    "in_stock": _l("In stock"),
}
# Facets whose values are codes with a word in mall.labels.
_CODED_FACETS = {"supplier_size": "size", "sme": "sme", "region": "region"}


@pages.app_template_global("facet_label")
def facet_label(name: str, bucket: dict[str, Any]) -> str:
    """A facet value in the reader's language: codes labelled, categories named in it."""
    if name in _CODED_FACETS:
        return label(bucket["value"], _CODED_FACETS[name])
    if name == "category" and current_language() == "en" and bucket.get("label_en"):
        return str(bucket["label_en"])
    if name.startswith("attr.") and bucket["value"] in ("true", "false"):
        return label(bucket["value"], "bool")
    return str(bucket["label"])


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
                title = in_language(names.get(key, {}), "name") or key
                buckets = facets.get("attributes", {}).get(key, [])
            else:
                title = str(FILTER_LABELS.get(name, name))
                buckets = facets.get(name) if isinstance(facets.get(name), list) else []
            bucket = next((b for b in buckets if b["value"] == value),
                          {"value": value, "label": value})
            shown = facet_label(name, bucket) if name not in ("price_min", "price_max",
                                                               "in_stock") else value
            if name == "in_stock":
                shown = label(value in ("true", "1"), "bool")
            chips.append({"label": title, "value": shown,
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
