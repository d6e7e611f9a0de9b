"""The OpenAPI 3.1 document, built from the routes, the views' ``@documented`` metadata
(``mall.apidoc``) and their declared guards (``mall.accounts.permissions``).

Paths and methods come from the URL map and security from the guards, so neither can drift
from the code; parameters, bodies and answers are the marshmallow schemas of each area's
``schemas.py``, converted by apispec's marshmallow plugin.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.routing import Rule

from mall.accounts.permissions import Guard, guard_of
from mall.apidoc import ApiDoc, apidoc_of

log = logging.getLogger(__name__)
# <name>, <int:name>, <any(accept, cancel):name>
_CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
ERROR_STATUSES = {
    400: "Malformed request, or a value that is not valid",
    401: "Missing, invalid or expired bearer token",
    403: "Not allowed for this organization or role",
    404: "Not found",
    409: "Conflict, or an idempotency key replayed with another body",
    413: "The body is larger than this address accepts",
    415: "The body's media type is not one this address takes",
    422: "Valid shape, but it breaks a business rule",
    429: "Too many requests",
    503: "A backing service is unavailable",
}
ERROR_EXAMPLE = {"error": {"code": "validation_failed", "message": "The request is not valid.",
                           "details": {"problems": [{"field": "email", "code": "invalid",
                                                     "message": "Not a valid email address."}]}}}
DESCRIPTION = ("Conventions: money as {amount, currency} with a decimal string; lists take "
               "?page=&per_page= (per_page ≤ 100) and answer {items, total, page, per_page}; "
               "errors as {error: {code, message, details}}; writes that move money accept "
               "an Idempotency-Key header. Get a bearer token from POST /api/v1/auth/token.")


class UndeclaredGuard(RuntimeError):
    """An API view declares neither a guard nor that it is public."""


class UndocumentedView(RuntimeError):
    """An API view has no ``@documented``."""


def is_api_rule(rule: Rule) -> bool:
    return rule.rule.startswith("/api/v1") or rule.rule == "/healthz"


def undocumented_views(app: Flask) -> list[str]:
    """Every API endpoint without ``@documented``, as ``endpoint (METHODS rule)``."""
    missing = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if is_api_rule(rule) and apidoc_of(app.view_functions[rule.endpoint]) is None:
            methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
            missing.append(f"{rule.endpoint} ({methods} {rule.rule})")
    return missing


def _schema_name(schema: Any) -> str:
    """``OrganizationSchema`` → ``Organization``; a private ``_SupplierRefSchema`` of
    ``mall.search.schemas`` → ``SearchSupplierRef`` (areas share such small names)."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    if name.startswith("_"):
        area = cls.__module__.split(".")[1] if cls.__module__.startswith("mall.") else ""
        name = area.title() + name.lstrip("_")
    return name


def _decimal_as_string(self: Any, field: fields.Field[Any], **_: Any) -> dict[str, Any]:
    """``Decimal(as_string=True)`` travels as a string (``"12.50"``), not a JSON number."""
    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": ["string", "null"] if field.allow_none else "string",
                "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}
    return {}


def security_of(endpoint: str, guard: Guard | None) -> dict[str, Any]:
    """The operation's ``security`` (and the roles it needs) from the view's declared guard."""
    if guard is None:
        raise UndeclaredGuard(f"{endpoint} declares no guard: decorate it with api_guard, "
                              f"token_required, optional_auth or public.")
    if guard.auth == "bearer":
        result: dict[str, Any] = {"security": [{"bearer": []}]}
        if guard.roles:
            result["x-required-roles"] = list(guard.roles)
        if guard.kinds:
            result["x-organization-kinds"] = list(guard.kinds)
        return result
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


def _error_statuses(doc: ApiDoc, guard: Guard, has_path_params: bool) -> set[int]:
    statuses = {400, *doc.errors}  # any body or query can be malformed
    if guard.auth in ("bearer", "optional"):
        statuses.add(401)
    if guard.auth == "bearer":
        statuses.add(403)
    if has_path_params:
        statuses.add(404)
    if doc.idempotent:
        statuses.add(409)
    return statuses


def _content(schema: Any, example: Any = None, media_types: tuple[str, ...] = (
        "application/json",)) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media_type in media_types:
        entry: dict[str, Any] = {"schema": schema if media_type == "application/json"
                                 else {"type": "string"}}
        if example is not None and media_type == "application/json":
            entry["example"] = example
        content[media_type] = entry
    return content


def _operation(endpoint: str, suffix: str, method: str, view: Callable[..., Any],
               doc: ApiDoc, guard: Guard, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    text = (view.__doc__ or "").strip()
    summary = text.splitlines()[0] if text else endpoint.split(".")[-1].replace("_", " ")
    parameters: list[dict[str, Any]] = list(path_params)
    if doc.query is not None:
        parameters.append({"in": "query", "schema": doc.query})
    if doc.paginated:
        parameters += [
            {"in": "query", "name": "page", "required": False,
             "schema": {"type": "integer", "minimum": 1, "default": 1}},
            {"in": "query", "name": "per_page", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]
    if doc.idempotent:
        parameters.append({"in": "header", "name": "Idempotency-Key", "required": False,
                           "schema": {"type": "string", "maxLength": 255},
                           "description": "Send the same key again to get the first answer "
                                          "back instead of doing the write twice."})
    responses: dict[str, Any] = {}
    for status, schema in sorted(doc.responses.items()):
        answer: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if schema is not None:
            answer["content"] = _content(schema, doc.examples.get(str(status)))
        responses[str(status)] = answer
    for status in sorted(_error_statuses(doc, guard, bool(path_params))):
        responses.setdefault(str(status), {"$ref": f"#/components/responses/{status}"})
    responses["default"] = {"$ref": "#/components/responses/default"}
    operation: dict[str, Any] = {
        "operationId": f"{endpoint}{suffix}.{method}",
        "summary": summary,
        "tags": [endpoint.split(".")[0].removesuffix("_api")],
        "parameters": parameters,
        "responses": responses,
        **security_of(endpoint, guard),
    }
    if len(text.splitlines()) > 1:
        operation["description"] = text
    if doc.body is not None:
        operation["requestBody"] = {"required": True, "content": _content(
            doc.body, doc.examples.get("request"), doc.body_types)}
    return operation


def _components(spec: APISpec) -> None:
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "details"],
            "properties": {"code": {"type": "string", "example": "validation_failed"},
                           "message": {"type": "string"},
                           "details": {"type": "object"}}}},
        "example": ERROR_EXAMPLE})
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for status, text in ERROR_STATUSES.items():
        spec.components.response(str(status), {"description": text, **error})
    spec.components.response("default", {"description": "Any other error", **error})


def build_document(app: Flask, strict: bool = False) -> dict[str, Any]:
    """The whole document. A view without ``@documented`` is left out (logged), or with
    ``strict`` refused; ``tests/openapi/test_described_api.py`` names every such view."""
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="Government e-Mall API", version="1", openapi_version="3.1.0",
                   plugins=[plugin], info={"description": DESCRIPTION},
                   servers=[{"url": "/"}])
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(_decimal_as_string)  # type: ignore[no-untyped-call]
    _components(spec)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not is_api_rule(rule):
            continue
        view = app.view_functions[rule.endpoint]
        doc, guard = apidoc_of(view), guard_of(view)
        if guard is None:
            security_of(rule.endpoint, guard)  # raises UndeclaredGuard
        if doc is None:
            message = f"{rule.endpoint} ({rule.rule}) has no @documented: see mall/apidoc.py"
            if strict:
                raise UndocumentedView(message)
            log.warning("left out of the OpenAPI document: %s", message)
            continue
        assert guard is not None
        for path, suffix, path_params in expand_rule(rule.rule):
            operations = {
                method.lower(): _operation(rule.endpoint, suffix, method.lower(), view, doc,
                                           guard, path_params)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})}
            spec.path(path=path, operations=operations)
    document: dict[str, Any] = _json_safe(spec.to_dict())
    return document


_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


def _json_safe(value: Any) -> Any:
    """Validator bounds may be Decimals (``Range(min=CENT)``, written by apispec as strings):
    JSON numbers in the document."""
    if isinstance(value, dict):
        return {key: float(item) if key in _BOUNDS and isinstance(item, str)
                else _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def schema_name(schema: type[Schema] | Schema) -> str:
    """The component name a schema gets in the document (for tests and links)."""
    return _schema_name(schema)
