"""The catalog API's shapes (marshmallow 4): requests (loaded by the views) and the answers
(``AnswerSchema`` classes at the end, documenting ``serializers.py`` for the OpenAPI document).

The offer shape (``OfferFieldsSchema``) is shared by the single upsert and every feed row, so
both refuse the same things with the same problem codes. Just past 400 lines: the request
and answer shapes of one API stay side by side, as in the other areas.
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mall.accounts.schemas import REGION
from mall.apidoc import AnswerSchema, day, money_field, timestamp
from mall.catalog.models import (
    AgreementStatus,
    AttributeType,
    OfferStatus,
    PriceChangeStatus,
    SecondStage,
)
from mall.text import SingleLine

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
SKU = validate.Regexp(SKU_PATTERN, error="Use 1-64 letters, digits, '.', '_', ':' or '-'.")
CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                       error="Use 1-64 letters, digits, '.', '_' or '-'.")
MAX_PRICE_DIGITS = 12  # Numeric(14, 2): twelve digits before the point


def _choices(values: Any) -> validate.OneOf:
    return validate.OneOf([v.value for v in values])


def _price(required: bool = True) -> fields.Decimal:
    return fields.Decimal(required=required, as_string=True, allow_nan=False)


class AttributeTemplateSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,63}$", error="Use lower-case letters, digits and '_'."))
    name_zh = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    name_en = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=_choices(AttributeType))
    unit = fields.String(validate=validate.Length(min=1, max=32), allow_none=True)
    values = fields.List(fields.Raw(), validate=validate.Length(min=1), allow_none=True)
    facet = fields.Boolean(load_default=False)
    required = fields.Boolean(load_default=False)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("type")
        values = data.get("values")
        if kind == AttributeType.enum and not values:
            raise ValidationError("An enum attribute needs its allowed values.", "values")
        if values and kind in (AttributeType.bool, AttributeType.text):
            raise ValidationError(f"A {kind} attribute takes no allowed values.", "values")
        for value in values or []:
            if kind == AttributeType.number and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise ValidationError("Allowed values of a number are numbers.", "values")
            if kind == AttributeType.enum and not isinstance(value, str):
                raise ValidationError("Allowed values of an enum are strings.", "values")
        if data.get("unit") and kind != AttributeType.number:
            raise ValidationError("Only number attributes have a unit.", "unit")


class CategoryCreateSchema(Schema):
    scheme = fields.String(required=True, validate=validate.Length(min=1, max=32))
    code = fields.String(required=True, validate=CODE)
    name_zh = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    name_en = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    parent_code = fields.String(allow_none=True, validate=CODE)
    attributes = fields.List(fields.Nested(AttributeTemplateSchema), load_default=list)

    @validates_schema
    def _unique_keys(self, data: dict[str, Any], **_: Any) -> None:
        keys = [a["key"] for a in data.get("attributes", [])]
        if len(keys) != len(set(keys)):
            raise ValidationError("Attribute keys must be unique.", "attributes")


class LotSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    title = fields.String(validate=validate.Length(max=300), allow_none=True)
    category_code = fields.String(required=True)
    ceiling_price = fields.Decimal(as_string=True, allow_nan=False, allow_none=True,
                                   validate=validate.Range(min=0, min_inclusive=False))


class AgreementCreateSchema(Schema):
    number = fields.String(required=True, validate=CODE)
    title = SingleLine(required=True, validate=validate.Length(min=1, max=300))
    currency = fields.String(load_default="CNY", validate=validate.OneOf(["CNY", "USD"]))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    regions = fields.List(fields.String(validate=REGION), required=True,
                          validate=validate.Length(min=1))
    second_stage = fields.String(load_default=SecondStage.direct.value,
                                 validate=_choices(SecondStage))
    lots = fields.List(fields.Nested(LotSchema), required=True, validate=validate.Length(min=1))
    supplier_ids = fields.List(fields.Integer(), load_default=list)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends_on must not be before starts_on.", "ends_on")
        codes = [lot["code"] for lot in data.get("lots", [])]
        if len(codes) != len(set(codes)):
            raise ValidationError("Lot codes must be unique.", "lots")


class AgreementUpdateSchema(Schema):
    status = fields.String(required=True, validate=_choices(AgreementStatus))
    reason = fields.String(validate=validate.Length(max=2000))


class CeilingSchema(Schema):
    supplier_id = fields.Integer(required=True)
    sku = fields.String(required=True, validate=SKU)
    ceiling_price = fields.Decimal(required=True, as_string=True, allow_nan=False,
                                   validate=validate.Range(min=0, min_inclusive=False))


class OfferFieldsSchema(Schema):
    """The fields of one offer, as sent to the upsert and in every feed row."""

    agreement_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    lot_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    category_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = SingleLine(required=True, validate=validate.Length(min=1, max=300))
    title_en = SingleLine(validate=validate.Length(max=300), allow_none=True)
    brand = SingleLine(required=True, validate=validate.Length(min=1, max=120))
    model = SingleLine(required=True, validate=validate.Length(min=1, max=120))
    gtin = fields.String(allow_none=True)
    unit = SingleLine(required=True, validate=validate.Length(min=1, max=32))
    price = _price()
    stock = fields.Integer(required=True, strict=False, validate=validate.Range(min=0))
    lead_time_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365))
    regions = fields.List(fields.String(validate=REGION), required=True,
                          validate=validate.Length(min=1))
    attributes = fields.Dict(keys=fields.String(), load_default=dict)
    valid_until = fields.Date(required=True)
    description = fields.String(validate=validate.Length(max=20000), allow_none=True)


class FeedRowSchema(OfferFieldsSchema):
    sku = fields.String(required=True, validate=SKU)


class OfferPatchSchema(Schema):
    price = _price(required=False)
    stock = fields.Integer(validate=validate.Range(min=0))
    # Suppliers publish (active) or withdraw for now (draft); delisting is DELETE.
    status = fields.String(validate=validate.OneOf([OfferStatus.active.value,
                                                    OfferStatus.draft.value]))

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Send at least one of price, stock or status.", "_schema")


class ReviewDecisionSchema(Schema):
    reason = fields.String(validate=validate.Length(min=1, max=2000))


class RefuseDecisionSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CategoryListQuerySchema(Schema):
    parent_code = fields.String(validate=CODE)


class AgreementListQuerySchema(Schema):
    status = fields.String(validate=_choices(AgreementStatus))


class PriceReviewQuerySchema(Schema):
    status = fields.String(validate=_choices(PriceChangeStatus),
                           metadata={"description": "pending_review if not given"})


class OfferListQuerySchema(Schema):
    status = fields.String(validate=_choices(OfferStatus))


# --- Answers -------------------------------------------------------------------------------

class AttributeTemplateAnswerSchema(AnswerSchema):
    key = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    type = fields.String(validate=_choices(AttributeType))
    unit = fields.String(allow_none=True)
    values = fields.List(fields.Raw(), allow_none=True)
    facet = fields.Boolean()
    required = fields.Boolean()


class CategorySchema(AnswerSchema):
    id = fields.Integer()
    scheme = fields.String()
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    parent_code = fields.String(allow_none=True)
    path = fields.List(fields.String(), metadata={"description": "ancestor codes, root first"})
    attributes = fields.List(fields.Nested(AttributeTemplateAnswerSchema))


class LotAnswerSchema(AnswerSchema):
    code = fields.String()
    title = fields.String(allow_none=True)
    category_code = fields.String()
    ceiling_price = money_field(allow_none=True)


class AgreementSchema(AnswerSchema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    currency = fields.String()
    starts_on = day()
    ends_on = day()
    regions = fields.List(fields.String())
    second_stage = fields.String(validate=_choices(SecondStage))
    status = fields.String(validate=_choices(AgreementStatus))
    lots = fields.List(fields.Nested(LotAnswerSchema))
    supplier_ids = fields.List(fields.Integer())


class CeilingAnswerSchema(AnswerSchema):
    supplier_id = fields.Integer()
    sku = fields.String()
    ceiling_price = money_field()


class CeilingsSchema(AnswerSchema):
    items = fields.List(fields.Nested(CeilingAnswerSchema))


class _OfferContentSchema(AnswerSchema):
    title = fields.String()
    title_en = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    brand = fields.String()
    model = fields.String()
    gtin = fields.String(allow_none=True)
    unit = fields.String()
    price = money_field()
    stock = fields.Integer()
    lead_time_days = fields.Integer()
    regions = fields.List(fields.String())
    attributes = fields.Dict(keys=fields.String())
    valid_until = day()


class OfferSchema(_OfferContentSchema):
    """The supplier's own offer, with what purchasers never see (the pending price)."""

    id = fields.Integer()
    sku = fields.String()
    status = fields.String(validate=_choices(OfferStatus))
    version = fields.Integer()
    pending_price = money_field(allow_none=True)
    agreement_number = fields.String()
    lot_code = fields.String()
    category_code = fields.String()
    product_id = fields.Integer(allow_none=True)
    updated_at = timestamp(allow_none=True)
    image_hash = fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the offer's picture; thumbnails at "
                       "/images/{image_hash}/96.webp and /320.webp"})
    image_url = fields.String(allow_none=True, metadata={
        "description": "the feed's image URL, fetched by the worker"})
    image_error = fields.String(allow_none=True, metadata={
        "description": "why the last fetch of image_url failed"})


class _OfferSupplierSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    size = fields.String(allow_none=True)
    sme = fields.Boolean(allow_none=True)


class _OfferAgreementSchema(AnswerSchema):
    id = fields.Integer()
    number = fields.String()
    title = fields.String()
    ends_on = day()
    second_stage = fields.String(validate=_choices(SecondStage))


class _OfferCategorySchema(AnswerSchema):
    code = fields.String()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String(allow_none=True)


class _PricePointSchema(AnswerSchema):
    price = money_field()
    at = timestamp()


class PublicOfferSchema(_OfferContentSchema):
    """An offer as purchasers see it."""

    id = fields.Integer()
    offer_id = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    sku = fields.String()
    in_stock = fields.Boolean()
    supplier = fields.Nested(_OfferSupplierSchema)
    agreement = fields.Nested(_OfferAgreementSchema)
    category = fields.Nested(_OfferCategorySchema)
    price_history = fields.List(fields.Nested(_PricePointSchema))
    image_hash = fields.String(allow_none=True, metadata={
        "description": "thumbnails at /images/{image_hash}/96.webp and /320.webp"})


class _ProductSchema(AnswerSchema):
    id = fields.Integer()
    brand = fields.String()
    model = fields.String()
    gtin = fields.String(allow_none=True)


class ProductOffersSchema(AnswerSchema):
    product = fields.Nested(_ProductSchema)
    items = fields.List(fields.Nested(PublicOfferSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class OfferImageUploadSchema(Schema):
    """The picture itself as the body (image/jpeg, image/png, image/webp, image/gif), or a
    multipart form with the file in ``image``; at most 5 MB and 40 million pixels."""

    image = fields.Raw(metadata={"type": "string", "format": "binary"})


class _SupplierRefSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()


class PriceReviewSchema(AnswerSchema):
    id = fields.Integer()
    offer_id = fields.Integer()
    sku = fields.String()
    supplier = fields.Nested(_SupplierRefSchema)
    title = fields.String()
    old_price = money_field(allow_none=True)
    new_price = money_field()
    rise = fields.String(allow_none=True, metadata={"example": "0.1500"})
    source = fields.String()
    status = fields.String(validate=_choices(PriceChangeStatus))
    changed_at = timestamp()


class FeedErrorSchema(AnswerSchema):
    class Meta:
        unknown = INCLUDE

    row = fields.Integer()
    sku = fields.String(allow_none=True)
    field = fields.String(allow_none=True)
    code = fields.String()
    message = fields.String()


class _FeedProgressSchema(AnswerSchema):
    rows_done = fields.Integer()
    rows_total = fields.Integer()


class FeedReportSchema(AnswerSchema):
    """One feed import's report (``errors``: the first 1,000 problems; not in lists)."""

    sometimes = ("errors",)

    id = fields.Integer()
    status = fields.String(metadata={"example": "done"})
    format = fields.String(metadata={"example": "csv"})
    encoding = fields.String(allow_none=True)
    rows_total = fields.Integer()
    rows_ok = fields.Integer()
    rows_rejected = fields.Integer()
    rows_superseded = fields.Integer()
    errors = fields.List(fields.Nested(FeedErrorSchema))
    errors_total = fields.Integer()
    errors_truncated = fields.Boolean()
    message = fields.String(allow_none=True)
    progress = fields.Nested(_FeedProgressSchema)
