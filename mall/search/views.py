"""Search API: thin handlers over ``mall.search.services``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, request

from mall.accounts.permissions import optional_auth, optional_user, public, purchaser_regions
from mall.apidoc import documented
from mall.db import db
from mall.errors import BadRequest
from mall.search import services
from mall.search.client import search_backend
from mall.search.schemas import (
    MAX_QUERY_LENGTH,
    SEARCH_QUERY,
    STANDARD_OFFERS_QUERY,
    SearchResultSchema,
    SuggestionsSchema,
    SuggestQuerySchema,
    parse_search_args,
)
from mall.standards.services import get_standard, offer_search_request

api = Blueprint("search_api", __name__, url_prefix="/api/v1")


def run_search(args: Any,
               narrow: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Validate the query arguments and search (the API and the search page share it).

    ``narrow`` restricts the validated request further (a standard's conditions).
    """
    search_request = parse_search_args(args)
    if narrow is not None:
        search_request = narrow(search_request)
    config = current_app.config["MALL"]
    return services.search_offers(
        search_backend.engine(),
        config.search_alias,
        db.session(),
        search_request,
        visible_regions=purchaser_regions(optional_user()),
        attribute_cache_seconds=config.attribute_cache_seconds,
    )


@api.get("/search")
@documented(query=SEARCH_QUERY, responses={200: SearchResultSchema}, errors=[503])
@optional_auth
def search() -> Any:
    """Search visible offers with facets (a purchaser's token limits it to its region)."""
    return run_search(request.args)


@api.get("/search/suggest")
@documented(query=SuggestQuerySchema, responses={200: SuggestionsSchema}, errors=[503])
@public
def suggest() -> Any:
    """Completions for what is being typed: products, brands, categories."""
    q = request.args.get("q", "").strip()
    if not q:
        return {"suggestions": []}
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(f"The search text is limited to {MAX_QUERY_LENGTH} characters.",
                         code="query_too_long", details={"max_length": MAX_QUERY_LENGTH})
    return services.suggest(search_backend.engine(), current_app.config["MALL"].search_alias, q)


@api.get("/standards/<code>/offers")
@documented(query=STANDARD_OFFERS_QUERY, responses={200: SearchResultSchema}, errors=[503])
@optional_auth
def standard_offers(code: str) -> Any:
    """Search restricted to the offers that meet every condition of a requirement standard."""
    standard = get_standard(db.session(), code, request.args.get("version", type=int))
    return run_search(request.args,
                      lambda search_request: offer_search_request(standard, search_request))
