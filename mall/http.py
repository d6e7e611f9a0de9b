"""Small helpers shared by the JSON views: body parsing, validation and pagination."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import request
from marshmallow import Schema, ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mall.errors import BadRequest

T = TypeVar("T")
MAX_PER_PAGE = 100
# Keeps OFFSET within what every database accepts.
MAX_PAGE = 1_000_000


def json_body() -> Any:
    """The request's JSON body, or a 400 in the documented shape."""
    if not request.is_json:
        raise BadRequest("Send a JSON body with Content-Type: application/json.",
                         code="invalid_json")
    data = request.get_json(silent=True)
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
