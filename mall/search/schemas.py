"""The search API's shapes: the validated search request (loaded by the views) and the
answers (documenting ``services.py`` for the OpenAPI document)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from mall.apidoc import AnswerSchema, day, money_field
from mall.catalog.schemas import MAX_PRICE_DIGITS
from mall.errors import BadRequest
from mall.http import load

MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 100
# No stored price reaches this (Numeric(14, 2)); NaN and infinities are refused by the field.
MAX_PRICE = Decimal(10) ** MAX_PRICE_DIGITS
# Ids are 64-bit in the database and in the index.
MAX_ID = 2**63 - 1
# Values one filter may name at once (the engine caps terms per query far above this).
MAX_FILTER_VALUES = 100
# Deep pagination is expensive and useless to people; refine the search instead.
MAX_RESULT_WINDOW = 2000
SORTS = ("relevance", "price_asc", "price_desc", "newest")


_few = validate.Length(max=MAX_FILTER_VALUES,
                       error=f"At most {MAX_FILTER_VALUES} values per filter.")
_id_range = validate.Range(min=1, max=MAX_ID, error=f"Ids run from 1 to {MAX_ID}.")
_price_range = validate.Range(min=0, max=MAX_PRICE,
                              error=f"Prices run from 0 to {MAX_PRICE:,.0f}.")


class SearchRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    # The length cap is checked before loading, with its own error code (query_too_long).
    q = fields.String(load_default="")
    category = fields.String(validate=validate.Length(max=64))
    brand = fields.List(fields.String(validate=validate.Length(max=120)), load_default=list,
                        validate=_few)
    supplier = fields.List(fields.Integer(validate=_id_range), load_default=list,
                           validate=_few)
    supplier_size = fields.List(
        fields.String(validate=validate.OneOf(["micro", "small", "medium", "large"])),
        load_default=list, validate=_few,
    )
    sme = fields.Boolean()
    agreement = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                            validate=_few)
    region = fields.String(validate=validate.Length(max=16))
    price_min = fields.Decimal(validate=_price_range)
    price_max = fields.Decimal(validate=_price_range)
    in_stock = fields.Boolean()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    attributes = fields.Dict(keys=fields.String(),
                             values=fields.List(fields.String(), validate=_few),
                             load_default=dict)

    @pre_load
    def _from_multidict(self, data: Any, **_: Any) -> Any:
        """Accept a werkzeug MultiDict: repeated keys are lists, ``attr.<key>`` are attributes.

        Anything else is returned as given, for marshmallow to validate (or refuse)."""
        if not hasattr(data, "getlist"):
            return data
        out: dict[str, Any] = {}
        attributes: dict[str, list[str]] = {}
        for key in data:
            values = [v for v in data.getlist(key) if v != ""]
            if not values:
                continue
            if key.startswith("attr."):
                attributes.setdefault(key[5:], []).extend(values)
            elif key in ("brand", "supplier", "supplier_size", "agreement"):
                out[key] = [part for v in values for part in v.split(",") if part]
            else:
                out[key] = values[-1]
        if attributes:
            out["attributes"] = attributes
        return out

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("price_min must not exceed price_max.", "price_min")


def parse_search_args(args: Any) -> dict[str, Any]:
    """A validated search request from query arguments, or a 400 in the documented shape.

    The two limits that protect the engine have their own codes so clients can tell them
    apart from ordinary validation problems.
    """
    q = args.get("q", "") or ""
    if len(q) > MAX_QUERY_LENGTH:
        raise BadRequest(
            f"The search text is limited to {MAX_QUERY_LENGTH} characters; it has {len(q)}.",
            code="query_too_long",
            details={"max_length": MAX_QUERY_LENGTH, "length": len(q)},
        )
    data: dict[str, Any] = load(_SEARCH_REQUEST, args)  # one object: a dict
    if data["page"] * data["per_page"] > MAX_RESULT_WINDOW:
        raise BadRequest(
            f"Only the first {MAX_RESULT_WINDOW} results can be paged through; narrow the "
            "search with filters or a more specific query instead.",
            code="page_too_deep",
            details={"max_results": MAX_RESULT_WINDOW,
                     "max_page": MAX_RESULT_WINDOW // data["per_page"]},
        )
    return data


# Built once: a schema instance holds no state between loads, and building one (binding and
# deep-copying its fields) cost more than validating a request.
_SEARCH_REQUEST = SearchRequestSchema()


# --- Answers (documenting ``services.search_offers`` and ``services.suggest``) -----------

class _SupplierRefSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    size = fields.String(allow_none=True)


class _AgreementRefSchema(AnswerSchema):
    number = fields.String()


class _CategoryRefSchema(AnswerSchema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class SearchHitSchema(AnswerSchema):
    sometimes = ("highlight",)

    offer_id = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    sku = fields.String()
    title = fields.String()
    title_en = fields.String(allow_none=True)
    brand = fields.String()
    model = fields.String()
    price = money_field()
    unit = fields.String(allow_none=True)
    stock = fields.Integer()
    lead_time_days = fields.Integer()
    supplier = fields.Nested(_SupplierRefSchema)
    agreement = fields.Nested(_AgreementRefSchema)
    category = fields.Nested(_CategoryRefSchema)
    regions = fields.List(fields.String())
    image_hash = fields.String(allow_none=True, metadata={
        "description": "The offer's picture, if any: thumbnails at /images/{image_hash}/96.webp "
                       "and /images/{image_hash}/320.webp"})
    valid_until = day()
    highlight = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": "only when the text matched"})


class SearchResultSchema(AnswerSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(SearchHitSchema))
    facets = fields.Dict(metadata={"description": "buckets by facet: category, brand, "
                                                  "supplier, price {min, max}, attributes…"})


class SuggestionSchema(AnswerSchema):
    text = fields.String()
    kind = fields.String(validate=validate.OneOf(["category", "brand", "model", "product"]))


class SuggestionsSchema(AnswerSchema):
    suggestions = fields.List(fields.Nested(SuggestionSchema))


class SuggestQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=MAX_QUERY_LENGTH))


class StandardOffersQuerySchema(SearchRequestSchema):
    version = fields.Integer(metadata={"description": "a version of the standard; "
                                                      "the current one if not given"})


# ``attributes`` travels as ``attr.<key>=value`` query arguments (see ``_from_multidict``).
SEARCH_QUERY = SearchRequestSchema(exclude=("attributes",))
STANDARD_OFFERS_QUERY = StandardOffersQuerySchema(exclude=("attributes",))
