"""``GET /api/v1/openapi.json``: the API described from the registered routes.

Paths and methods come from the URL map, so the document cannot drift from the routes;
summaries come from each view's docstring; security comes from the guard each view declares
(``mall.accounts.permissions``), never from a list kept by hand.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app

from mall.accounts.permissions import Guard, guard_of, public

api = Blueprint("openapi", __name__)
# <name>, <int:name>, <any(accept, cancel):name>
_CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
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


class UndeclaredGuard(RuntimeError):
    """An API view declares neither a guard nor that it is public."""


def _security(endpoint: str, guard: Guard | None) -> dict[str, Any]:
    """The operation's ``security`` (and the roles it needs) from the view's declared guard."""
    if guard is None:
        raise UndeclaredGuard(f"{endpoint} declares no guard: decorate it with api_guard, "
                              f"token_required, optional_auth or public.")
    if guard.auth == "bearer":
        fields: dict[str, Any] = {"security": [{"bearer": []}]}
        if guard.roles:
            fields["x-required-roles"] = list(guard.roles)
        if guard.kinds:
            fields["x-organization-kinds"] = list(guard.kinds)
        return fields
    if guard.auth == "optional":  # anonymous, or a token that narrows the answer
        return {"security": [{}, {"bearer": []}]}
    return {"security": []}


def expand_rule(rule: str) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(OpenAPI path, operation suffix, path parameters) for a Werkzeug rule.

    An ``any(a, b)`` segment is a fixed word, so it becomes one concrete path per word
    (``/orders/{order_id}/accept`` and ``.../cancel``), as the API is documented.
    """
    expansions: list[tuple[str, str, list[dict[str, Any]]]] = [("", "", [])]
    position = 0
    for match in _CONVERTER.finditer(rule):
        literal = rule[position:match.start()]
        position = match.end()
        converter, arguments, name = match.groups()
        if converter == "any":
            words = [w.strip().strip("'\"") for w in (arguments or "").split(",") if w.strip()]
            expansions = [(path + literal + word, f"{suffix}.{word}", params)
                          for path, suffix, params in expansions for word in words]
            continue
        parameter = {"name": name, "in": "path", "required": True,
                     "schema": {"type": "integer" if converter == "int" else "string"}}
        expansions = [(path + literal + "{" + name + "}", suffix, [*params, parameter])
                      for path, suffix, params in expansions]
    return [(path + rule[position:], suffix, params) for path, suffix, params in expansions]


def build_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not (rule.rule.startswith("/api/v1") or rule.rule == "/healthz"):
            continue
        view = current_app.view_functions[rule.endpoint]
        doc = (view.__doc__ or "").strip()
        summary = doc.splitlines()[0] if doc else rule.endpoint.split(".")[-1].replace("_", " ")
        for path, suffix, parameters in expand_rule(rule.rule):
            _add_operations(paths, rule, path, suffix, parameters, summary,
                            _security(rule.endpoint, guard_of(view)))
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


def _add_operations(paths: dict[str, dict[str, Any]], rule: Any, path: str, suffix: str,
                    parameters: list[dict[str, Any]], summary: str,
                    security: dict[str, Any]) -> None:
    for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
        operation: dict[str, Any] = {
            "operationId": f"{rule.endpoint}{suffix}.{method.lower()}",
            "summary": summary,
            "tags": [rule.endpoint.split(".")[0].removesuffix("_api")],
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK"},
                **{s: {"$ref": f"#/components/responses/{s}"} for s in _ERROR_STATUSES},
            },
        }
        operation.update(security)
        if method in ("POST", "PUT", "PATCH"):
            operation["requestBody"] = {"content": {"application/json": {
                "schema": {"type": "object"}}}}
        paths.setdefault(path, {})[method.lower()] = operation


@api.get("/api/v1/openapi.json")
@public
def openapi_document() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return build_document()
