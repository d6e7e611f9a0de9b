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


KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$",
                      error="Use lower-case letters, digits and _ (at most 32).")


class CriterionSchema(Schema):
    key = fields.String(required=True, validate=KEY)
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    weight = fields.Decimal(required=True, places=4, allow_nan=False,
                            validate=validate.Range(min=0, max=1, min_inclusive=False))
    max_score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1,
                                                                                   max=100))


class EvaluationPlanSchema(Schema):
    """Best value: price weight + the criteria's weights = 1; the panel scores the criteria."""

    method = fields.String(required=True, validate=validate.OneOf(["best_value"]))
    price_weight = fields.Decimal(required=True, places=4, allow_nan=False,
                                  validate=validate.Range(min=0, max=1, min_inclusive=False,
                                                          max_inclusive=False))
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1, max=20))
    panel_size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1,
                                                                                    max=15))

    @validates_schema
    def _weights(self, data: dict[str, Any], **_: Any) -> None:
        keys = [c["key"] for c in data["criteria"]]
        if len(set(keys)) != len(keys):
            raise ValidationError("Each criterion key once.", "criteria")
        total = data["price_weight"] + sum(c["weight"] for c in data["criteria"])
        if total != 1:
            raise ValidationError(f"The price weight and the criteria's weights must add up "
                                  f"to 1 (they add up to {total}).", "criteria")


class RequisitionLineSchema(Schema):
    """A chosen offer, or a product whose supplier the rotation assigns (顺序轮候)."""

    offer_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    product_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    agreement_number = fields.String(validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))

    @validates_schema
    def _offer_or_product(self, data: dict[str, Any], **_: Any) -> None:
        if ("offer_id" in data) == ("product_id" in data):
            raise ValidationError("Name either offer_id (an offer you choose) or product_id "
                                  "(a product assigned by rotation), not both.", "offer_id")
        if "agreement_number" in data and "product_id" not in data:
            raise ValidationError("agreement_number goes with product_id.",
                                  "agreement_number")


class RequisitionSchema(Schema):
    lines = fields.List(fields.Nested(RequisitionLineSchema),
                        validate=validate.Length(min=1, max=200))
    from_cart = fields.Boolean(load_default=False)
    justification = fields.String(validate=validate.Length(max=2000), allow_none=True)
    # Checked by mall.standards before anything is created (a block finding refuses it).
    requirement_text = fields.String(validate=validate.Length(max=20_000), allow_none=True)
    # Used if the purchase goes to competition: when quoting ends (within the allowed period).
    competition_deadline = fields.AwareDateTime(allow_none=True, load_default=None)
    # 预留份额: the competition invites SME suppliers only.
    sme_reserved = fields.Boolean(load_default=False)
    # Used if the purchase goes to competition: rank on best value by an expert panel.
    evaluation = fields.Nested(EvaluationPlanSchema, allow_none=True, load_default=None)

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_: Any) -> None:
        if bool(data.get("lines")) == bool(data.get("from_cart")):
            raise ValidationError("Send either lines or from_cart: true.", "lines")


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


class FlagResolveSchema(Schema):
    resolution = fields.String(required=True, validate=validate.OneOf(
        ["dismiss", "suspend", "debar", "refer"]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    organization_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    until = fields.Date(allow_none=True, load_default=None)


class AccountabilityQuerySchema(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100), load_default=None)


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
    # A best-value competition's answer per criterion key.
    technical = fields.Dict(keys=fields.String(validate=KEY),
                            values=fields.String(validate=validate.Length(max=5000)),
                            allow_none=True, load_default=None)


class SpendQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    group_by = fields.String(load_default="category",
                             validate=validate.OneOf(["category", "supplier", "supplier_size"]))
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    # Joint purchase orders (联合采购) count like others; ``joint`` keeps only them (true)
    # or only the others (false).
    joint = fields.Boolean(load_default=None, allow_none=True)
