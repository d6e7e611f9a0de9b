"""``GET /api/v1/openapi.json``: the API described from the registered routes.

Paths and methods come from the URL map, so the document cannot drift from the routes;
summaries come from each view's docstring.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app

api = Blueprint("openapi", __name__)

# Routes anyone may call without a bearer token.
PUBLIC_ENDPOINTS = {
    "accounts_api.create_token",
    "search_api.search",
    "search_api.suggest",
    "catalog_api.get_offer",
    "catalog_api.product_offers",
    "payments_api.stripe_webhook",
    "openapi.openapi_document",
}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_STATUSES = {
    "400": "Malformed request",
    "401": "Missing, invalid or expired bearer token",
    "403": "Not allowed for this organization or role",
    "404": "Not found",
    "409": "Conflict or idempotency replay with another body",
    "422": "Valid shape, but it breaks a business rule",
    "429": "Too many requests",
    "503": "A backing service is unavailable",
}


def _components() -> dict[str, Any]:
    return {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"type": "string", "example": "validation_failed"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }},
            },
            "Money": {
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {"amount": {"type": "string", "example": "1234.50"},
                               "currency": {"type": "string", "example": "CNY"}},
            },
            "Page": {
                "type": "object",
                "required": ["items", "total", "page", "per_page"],
                "properties": {"items": {"type": "array", "items": {}},
                               "total": {"type": "integer"},
                               "page": {"type": "integer", "minimum": 1},
                               "per_page": {"type": "integer", "minimum": 1, "maximum": 100}},
            },
        },
        "responses": {
            status: {"description": text,
                     "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Error"}}}}
            for status, text in _ERROR_STATUSES.items()
        },
    }


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/v1") or rule.rule == "/healthz"):
            continue
        path = _CONVERTER.sub(r"{\2}", rule.rule)
        view = current_app.view_functions[rule.endpoint]
        doc = (view.__doc__ or "").strip()
        summary = doc.splitlines()[0] if doc else rule.endpoint.split(".")[-1].replace("_", " ")
        parameters = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer" if conv == "int" else "string"}}
            for conv, name in _CONVERTER.findall(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": summary,
                "tags": [rule.endpoint.split(".")[0].removesuffix("_api")],
                "parameters": parameters,
                "responses": {
                    "200": {"description": "OK"},
                    **{s: {"$ref": f"#/components/responses/{s}"} for s in _ERROR_STATUSES},
                },
            }
            if rule.endpoint not in PUBLIC_ENDPOINTS and rule.rule != "/healthz":
                operation["security"] = [{"bearer": []}]
            if method in ("POST", "PUT", "PATCH"):
                operation["requestBody"] = {"content": {"application/json": {
                    "schema": {"type": "object"}}}}
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Government e-Mall API",
            "version": "1",
            "description": "Conventions: money as {amount, currency} with a decimal string; "
                           "lists take ?page=&per_page= (per_page ≤ 100); errors as "
                           "{error: {code, message, details}}; writes that move money "
                           "accept an Idempotency-Key header.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": _components(),
    }


@api.get("/api/v1/openapi.json")
def openapi_document() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return build_document()
