"""``GET /api/v1/openapi.json`` (the described API) and ``GET /api/docs`` (Swagger UI).

The document is built by ``mall.openapi.document`` once per application (routes do not
change while it runs). Swagger UI's assets come from the ``swagger-ui-py`` package and are
served from here, never from a CDN; its start-up script is ``static/apidocs.js`` (the CSP
allows no inline script).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui
from flask import Blueprint, current_app, render_template, send_from_directory

from mall.accounts.permissions import public
from mall.apidoc import documented
from mall.openapi.document import build_document

api = Blueprint("openapi", __name__)
SWAGGER_UI_ASSETS = Path(swagger_ui.__file__).parent / "static"
_SERVED_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"}
_CACHE_KEY = "mall.openapi_document"


def cached_document() -> dict[str, Any]:
    if _CACHE_KEY not in current_app.extensions:
        current_app.extensions[_CACHE_KEY] = build_document(current_app)
    document: dict[str, Any] = current_app.extensions[_CACHE_KEY]
    return document


@api.get("/api/v1/openapi.json")
@documented(responses={200: None})
@public
def openapi_document() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return cached_document()


@api.get("/api/docs")
@public
def api_docs() -> Any:
    """The API reference, rendered by Swagger UI from the document."""
    return render_template("openapi/docs.html")


@api.get("/api/docs/assets/<name>")
@public
def api_docs_asset(name: str) -> Any:
    if name not in _SERVED_ASSETS:
        return ("", 404)
    return send_from_directory(SWAGGER_UI_ASSETS, name, max_age=86400)
