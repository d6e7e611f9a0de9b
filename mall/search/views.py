"""Search API and pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request

from mall.accounts.permissions import optional_user, purchaser_regions
from mall.db import db
from mall.errors import ApiError, BadRequest
from mall.http import load
from mall.search import services
from mall.search.client import search_backend
from mall.search.schemas import MAX_QUERY_LENGTH, SearchRequestSchema

api = Blueprint("search_api", __name__, url_prefix="/api/v1")
pages = Blueprint("search_pages", __name__)


def _run_search(args: Any) -> dict[str, Any]:
    search_request = load(SearchRequestSchema(), args)
    user = optional_user()
    return services.search_offers(
        search_backend.engine(),
        current_app.config["MALL"].search_alias,
        db.session(),
        search_request,
        visible_regions=purchaser_regions(user),
    )


@api.get("/search")
def search() -> Any:
    return _run_search(request.args)


@api.get("/search/suggest")
def suggest() -> Any:
    q = request.args.get("q", "").strip()
    if not q:
        return {"suggestions": []}
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"q is limited to {MAX_QUERY_LENGTH} characters.", code="query_too_long")
    return services.suggest(search_backend.engine(), current_app.config["MALL"].search_alias, q)


@pages.get("/search")
def search_page() -> Any:
    try:
        results = _run_search(request.args)
        error = None
    except ApiError as exc:
        results, error = None, exc
    status = error.status if error else 200
    return render_template("search/results.html", results=results, error=error,
                           args=request.args), status


@pages.app_template_filter("combine_facet")
def combine_facet(args: Any, name: str, value: str, active: bool) -> dict[str, list[str]]:
    """Query arguments with one facet value toggled, back on the first page."""
    combined = {k: list(v) for k, v in args.lists() if k != "page"}
    values = [v for v in combined.get(name, []) if v != value]
    if not active:
        values.append(value)
    combined[name] = values
    return {k: v for k, v in combined.items() if v}
