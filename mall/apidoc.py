"""``@documented``: what an API view takes and answers, for ``GET /api/v1/openapi.json``.

The decorator only attaches an :class:`ApiDoc` to the view (``view.mall_apidoc``); it changes
nothing the view does. ``mall.openapi.document`` reads it, with the view's guard, to build the
document. Apply it right under the route decorator::

    @api.post("/admin/users")
    @documented(body=UserCreateSchema, responses={201: UserSchema}, errors=[409, 422])
    @api_guard(Role.center_admin, kinds=CENTER)
    def create_user(user: User) -> Any: ...

Schemas are the marshmallow schemas of the area's ``schemas.py`` (input and output alike);
``page_of`` and ``MoneySchema`` are the common shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from marshmallow import Schema, fields

F = TypeVar("F", bound=Callable[..., Any])
SchemaRef = type[Schema] | Schema
APIDOC_ATTRIBUTE = "mall_apidoc"


@dataclass(frozen=True)
class ApiDoc:
    """What one view documents; ``None`` as a response schema means an empty body (204)."""

    body: SchemaRef | None = None
    # Other media types the body may have (a feed: text/csv, application/x-ndjson).
    body_types: tuple[str, ...] = ("application/json",)
    query: SchemaRef | None = None
    responses: Mapping[int, SchemaRef | None] = field(default_factory=dict)
    paginated: bool = False
    idempotent: bool = False
    errors: tuple[int, ...] = ()
    examples: Mapping[str, Any] = field(default_factory=dict)


def documented(*, body: SchemaRef | None = None, query: SchemaRef | None = None,
               responses: Mapping[int, SchemaRef | None] | None = None,
               body_types: Iterable[str] = ("application/json",), paginated: bool = False,
               idempotent: bool = False, errors: Iterable[int] = (),
               examples: Mapping[str, Any] | None = None) -> Callable[[F], F]:
    """Attach the view's documentation; ``examples`` maps "request" / a status to a value."""
    doc = ApiDoc(body=body, body_types=tuple(body_types), query=query,
                 responses=dict(responses or {200: None}), paginated=paginated,
                 idempotent=idempotent, errors=tuple(errors), examples=dict(examples or {}))

    def attach(view: F) -> F:
        setattr(view, APIDOC_ATTRIBUTE, doc)
        return view

    return attach


def apidoc_of(view: Callable[..., Any]) -> ApiDoc | None:
    doc = getattr(view, APIDOC_ATTRIBUTE, None)
    return doc if isinstance(doc, ApiDoc) else None


# --- Common shapes -------------------------------------------------------------------------

class MoneySchema(Schema):
    """``{"amount": "1234.50", "currency": "CNY"}`` (``mall.money.money``)."""

    amount = fields.String(required=True, metadata={"example": "1234.50",
                                                    "pattern": r"^-?\d+\.\d{2}$"})
    currency = fields.String(required=True, metadata={"example": "CNY"})


def money_field(allow_none: bool = False) -> fields.Nested:
    return fields.Nested(MoneySchema, required=True, allow_none=allow_none)


def timestamp(allow_none: bool = False) -> fields.String:
    """An ISO 8601 date-time as the serializers write it (``datetime.isoformat()``)."""
    return fields.String(required=True, allow_none=allow_none,
                         metadata={"format": "date-time"})


def day(allow_none: bool = False) -> fields.String:
    return fields.String(required=True, allow_none=allow_none, metadata={"format": "date"})


_PAGES: dict[str, type[Schema]] = {}


def page_of(item: type[Schema], name: str | None = None) -> type[Schema]:
    """``{items: [item], total, page, per_page}`` (``mall.http.paginate``), one class per item."""
    name = name or item.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _PAGES:
        _PAGES[name] = Schema.from_dict({
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        }, name=name)
    return _PAGES[name]


class AnswerSchema(Schema):
    """An output shape: every field is always present in the answer (possibly null), except
    those named in ``sometimes`` (present in some answers only, e.g. a detail view)."""

    sometimes: ClassVar[tuple[str, ...]] = ()

    def on_bind_field(self, field_name: str, field_obj: fields.Field[Any]) -> None:
        field_obj.required = field_name not in self.sometimes

