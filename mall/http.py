"""Small helpers shared by the JSON views: body parsing, validation and pagination; and the
request hooks every response goes through (body limits, security headers)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request, session
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mall.errors import BadRequest, PayloadTooLarge

T = TypeVar("T")
MAX_PER_PAGE = 100
# Keeps OFFSET within what every database accepts.
MAX_PAGE = 1_000_000

# A \uD800-\uDFFF escape decodes to half a character: no database or encoder can take it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_path(value: Any) -> str | None:
    """Where a decoded JSON value holds a lone surrogate (``lines.0.title``), or None.

    A key holding one names the object it is in. The top level is ``""``.
    """
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and _LONE_SURROGATE.search(key):
                    return path
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}" if path else str(i), child)
                         for i, child in enumerate(item))
    return None


def lone_surrogate_error(path: str) -> BadRequest:
    where = f" in {path}" if path else ""
    return BadRequest(f"The text{where} holds a \\u escape that is not a character (a lone "
                      "UTF-16 surrogate); send the character itself or a complete pair.",
                      code="invalid_value", details={"field": path})


TOO_DEEP = "The JSON body is nested too deeply."


def _parsed_json() -> Any:
    """The parsed body (None when it is not JSON); 400 for what no view could use."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest(TOO_DEEP, code="invalid_json") from None
    path = lone_surrogate_path(data)
    if path is not None:
        raise lone_surrogate_error(path)
    return data


def json_body() -> Any:
    """The request's JSON body, or a 400 in the documented shape."""
    if not request.is_json:
        raise BadRequest("Send a JSON body with Content-Type: application/json.",
                         code="invalid_json")
    data = _parsed_json()
    if data is None:
        raise BadRequest("The request body is not valid JSON.", code="invalid_json")
    return data


def validation_problems(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested messages into [{field, code, message}]."""
    problems: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            field = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                field = prefix or "_schema"
            problems.extend(validation_problems(value, field))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, dict | list):
                problems.extend(validation_problems(item, prefix))
            else:
                problems.append({"field": prefix, "code": "invalid", "message": str(item)})
    else:
        problems.append({"field": prefix, "code": "invalid", "message": str(messages)})
    return problems


def load(schema: Schema, data: Any) -> Any:
    """Validate with marshmallow; a refusal is a 400 listing every problem by field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise BadRequest(
            "The request is not valid.",
            code="validation_failed",
            details={"problems": validation_problems(exc.messages)},
        ) from exc


def page_args() -> tuple[int, int]:
    def as_int(name: str, default: int) -> int:
        raw = request.args.get(name, str(default))
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number.", code="invalid_pagination",
                             details={"field": name}) from None

    page, per_page = as_int("page", 1), as_int("per_page", 20)
    if page > MAX_PAGE:
        raise BadRequest(f"page is limited to {MAX_PAGE:,}; narrow the list with filters.",
                         code="invalid_pagination", details={"field": "page"})
    if page < 1:
        raise BadRequest("page starts at 1.", code="invalid_pagination",
                         details={"field": "page"})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadRequest(f"per_page must be between 1 and {MAX_PER_PAGE}.",
                         code="invalid_pagination", details={"field": "per_page"})
    return page, per_page


def paginate(
    session: Session, query: Select[Any], serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``query`` for the requested page: {items, total, page, per_page}."""
    page, per_page = page_args()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows: Sequence[Any] = session.scalars(
        query.limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {
        "items": [serialize(row) for row in rows],
        "total": total or 0,
        "page": page,
        "per_page": per_page,
    }


# --- Request hooks -------------------------------------------------------------------------

MB = 1024 * 1024
JSON_BODY_LIMIT = 1 * MB
WEBHOOK_BODY_LIMIT = 256 * 1024
# Supplier feeds (up to 1,000,000 rows, ~1 KB each), through the API and the upload page;
# the body is streamed to a temporary file, never held in memory.
FEED_BODY_LIMIT = 1024 * MB
DEFAULT_BODY_LIMIT = 1 * MB
_BODY_LIMIT_ATTRIBUTE = "mall_body_limit"
V = TypeVar("V", bound=Callable[..., Any])


def accepts_body(limit: int) -> Callable[[V], V]:
    """Declare on a view that its bodies may be up to ``limit`` bytes (not the default)."""

    def declare(view: V) -> V:
        setattr(view, _BODY_LIMIT_ATTRIBUTE, limit)
        return view

    return declare


def body_limit(view: Callable[..., Any] | None, is_json: bool) -> int:
    """The largest body ``view`` accepts: what it declared, else the default for its type."""
    declared = getattr(view, _BODY_LIMIT_ATTRIBUTE, None)
    if isinstance(declared, int):
        return declared
    return JSON_BODY_LIMIT if is_json else DEFAULT_BODY_LIMIT


def _limit_body() -> None:
    """Refuse a body above the route's limit before anything reads it.

    A declared Content-Length is checked here; a streamed (chunked) body is cut by werkzeug
    when reading passes the same limit. JSON bodies are then parsed once, so nesting too
    deep for the parser or a lone surrogate is a 400 whichever view reads them.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    limit = body_limit(view, request.is_json)
    request.max_content_length = limit
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(
            f"The request body is {length:,} bytes; this address takes at most {limit:,}.",
            details={"limit_bytes": limit, "length_bytes": length})
    if request.is_json and (length or request.environ.get("wsgi.input_terminated")):
        _parsed_json()


# The base policy, directive by directive; one page may widen it (``widened_policy``).
POLICY_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def widened_policy(**extra: str) -> str:
    """The mall's CSP with more sources for some directives (``form_action="https://…"``;
    underscores for dashes); a directive the base lacks is added after ``'self'``."""
    directives = dict(POLICY_DIRECTIVES)
    for name, sources in extra.items():
        key = name.replace("_", "-")
        base = directives.get(key, "'self'")
        directives[key] = f"{base} {sources}"
    return "; ".join(f"{key} {value}" for key, value in directives.items())


CONTENT_SECURITY_POLICY = widened_policy()
HSTS = "max-age=63072000; includeSubDomains"  # two years
_NO_STORE = "mall.no_store"


def no_store() -> None:
    """Mark this request's answer as never to be cached (it carries or checks credentials)."""
    request.environ[_NO_STORE] = True


def _private() -> bool:
    return bool(request.environ.get(_NO_STORE) or "Authorization" in request.headers
                or session.get("_user_id") is not None)


def _security_headers(response: Response, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _private():
        headers["Cache-Control"] = "no-store"
    return response


def register_request_hooks(app: Flask) -> None:
    """Body limits before anything else reads the body; security headers on every answer."""
    https = bool(app.config["MALL"].https)
    # First of all before_request hooks, so CSRF protection has not read a form yet.
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body)
    app.after_request(lambda response: _security_headers(response, https))
