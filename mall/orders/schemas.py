"""Request schemas for carts, requisitions, approvals, quotes and orders."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mall.orders.models import MAX_LINE_QUANTITY, CompetitionStatus


class CartLineSchema(Schema):
    offer_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))


class CartQuantitySchema(Schema):
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))


class RequisitionSchema(Schema):
    lines = fields.List(fields.Nested(CartLineSchema), validate=validate.Length(min=1, max=200))
    from_cart = fields.Boolean(load_default=False)
    justification = fields.String(validate=validate.Length(max=2000), allow_none=True)
    # Checked by mall.standards before anything is created (a block finding refuses it).
    requirement_text = fields.String(validate=validate.Length(max=20_000), allow_none=True)
    # Used if the purchase goes to competition: when quoting ends (within the allowed period).
    competition_deadline = fields.AwareDateTime(allow_none=True, load_default=None)
    # 预留份额: the competition invites SME suppliers only.
    sme_reserved = fields.Boolean(load_default=False)

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("lines")) == bool(data.get("from_cart")):
            raise ValidationError("Send either lines or from_cart: true.", "lines")


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class QuoteLineSchema(Schema):
    line_id = fields.Integer(required=True, strict=True)
    unit_price = fields.Decimal(required=True, as_string=True, places=2, allow_nan=False,
                                validate=validate.Range(min=0, max=10**11))


class AwardSchema(Schema):
    # Omitted: the rank-1 quote. Any other needs a reason (the center is told).
    quote_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SupplierCompetitionQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in CompetitionStatus]))


class SmeReservationQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class QuoteSchema(Schema):
    lines = fields.List(fields.Nested(QuoteLineSchema), required=True,
                        validate=validate.Length(min=1, max=200))


class SpendQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    group_by = fields.String(load_default="category",
                             validate=validate.OneOf(["category", "supplier", "supplier_size"]))
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
