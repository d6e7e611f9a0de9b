"""The orders API's shapes: requests for carts, requisitions, approvals, quotes and orders
(loaded by the views) and the answers (documenting ``serializers.py`` and the reports).

Past 400 lines because input and answer schemas of one area sit together (the described
API's convention, see mall/apidoc.py); if it grows further, the answers of the reports are
the part to move to a module of their own."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mall.accounts.schemas import DeliveryAddressSnapshotSchema
from mall.apidoc import AnswerSchema, day, money_field, timestamp
from mall.orders.models import (
    MAX_LINE_QUANTITY,
    TRACKING_NUMBER_MAX,
    CompetitionStatus,
    FlagKind,
    FlagStatus,
    OrderStatus,
    RequisitionStatus,
)
from mall.text import SingleLine


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
    # One of the organization's delivery addresses (GET /api/v1/addresses); without it the
    # default one, if any. The requisition and its orders keep a copy.
    delivery_address_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                         validate=validate.Range(min=1))
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


class ShipSchema(ReasonSchema):
    """Shipping an order: the reason as for any action, and the carrier's tracking number."""

    tracking_number = SingleLine(
        allow_none=True, load_default=None,
        validate=validate.Length(max=TRACKING_NUMBER_MAX),
        metadata={"description": "The carrier's tracking number, trimmed; empty means none. "
                                 "Shown on the order and in its timeline.",
                  "example": "SF1234567890"})


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


class RequisitionListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in RequisitionStatus]))


class OrderListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))


class FlagListQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf([k.value for k in FlagKind]))
    status = fields.String(validate=validate.OneOf([s.value for s in FlagStatus]))


# --- Answers -------------------------------------------------------------------------------

class CartLineAnswerSchema(AnswerSchema):
    offer_id = fields.Integer()
    quantity = fields.Integer()


class CartSchema(AnswerSchema):
    id = fields.Integer()
    lines = fields.List(fields.Nested(CartLineAnswerSchema))


class OrderLineSchema(AnswerSchema):
    id = fields.Integer()
    offer_id = fields.Integer(allow_none=True)
    title = fields.String()
    sku = fields.String()
    quantity = fields.Integer()
    unit_price = money_field()
    line_total = money_field()


class OrderSchema(AnswerSchema):
    id = fields.Integer()
    requisition_id = fields.Integer()
    competition_id = fields.Integer(allow_none=True)
    purchaser_organization_id = fields.Integer()
    supplier_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))
    status_reason = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True, metadata={
        "description": "The carrier's tracking number given when shipping, if any"})
    total = money_field()
    delivery_region = fields.String(allow_none=True, required=True,
                                    metadata={"description": "ISO 3166-2 code delivered to"})
    delivery_address = fields.Nested(
        DeliveryAddressSnapshotSchema, allow_none=True,
        metadata={"description": "the delivery address as it read when the requisition was "
                                 "submitted (a copy: later edits of the address book do not "
                                 "change it); null when none was chosen"})
    lines = fields.List(fields.Nested(OrderLineSchema))
    created_at = timestamp()
    updated_at = timestamp()


class ReasonAnswerSchema(AnswerSchema):
    rule = fields.String()
    outcome = fields.String()
    message = fields.String(metadata={"description": "in the Accept-Language (en or zh)"})
    message_zh = fields.String()
    message_en = fields.String()


class RequisitionLineAnswerSchema(AnswerSchema):
    id = fields.Integer()
    offer_id = fields.Integer(allow_none=True)
    supplier_id = fields.Integer(allow_none=True)
    assignment = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    title = fields.String()
    quantity = fields.Integer()
    unit_price = money_field(allow_none=True)
    line_total = money_field(allow_none=True)


class ApprovalAnswerSchema(AnswerSchema):
    approver_id = fields.Integer()
    decision = fields.String()
    reason = fields.String(allow_none=True)
    decided_at = timestamp()


class DecisionAnswerSchema(AnswerSchema):
    profile = fields.String()
    route = fields.String()
    evaluated_at = timestamp()
    rules = fields.List(fields.Dict())


class RequisitionAnswerSchema(AnswerSchema):
    sometimes = ("decision",)

    id = fields.Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in RequisitionStatus]))
    route = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(ReasonAnswerSchema))
    total = money_field(allow_none=True)
    lines = fields.List(fields.Nested(RequisitionLineAnswerSchema))
    orders = fields.List(fields.Nested(OrderSchema))
    competition_id = fields.Integer(allow_none=True)
    required_approvals = fields.Integer(allow_none=True)
    approvals = fields.List(fields.Nested(ApprovalAnswerSchema))
    justification = fields.String(allow_none=True)
    requirement_text = fields.String(allow_none=True)
    sme_reserved = fields.Boolean()
    delivery_region = fields.String(allow_none=True)
    delivery_address = fields.Nested(DeliveryAddressSnapshotSchema, allow_none=True)
    joint_purchase_id = fields.Integer(allow_none=True)
    jurisdiction = fields.String(allow_none=True)
    price_hold_until = timestamp()
    created_at = timestamp()
    decision = fields.Nested(DecisionAnswerSchema,
                             metadata={"description": "the rules' inputs; one requisition only"})


class QuoteAnswerSchema(AnswerSchema):
    sometimes = ("rank", "score")

    id = fields.Integer()
    supplier_id = fields.Integer(allow_none=True, metadata={"description": "null while sealed"})
    lines = fields.List(fields.Dict())
    total = money_field()
    sme_deduction = money_field()
    evaluated_total = money_field()
    technical = fields.Dict(allow_none=True)
    submitted_at = timestamp()
    rank = fields.Integer()
    score = fields.String()


class CompetitionLineSchema(AnswerSchema):
    id = fields.Integer()
    sku = fields.String(allow_none=True)
    title = fields.String()
    quantity = fields.Integer()
    category_id = fields.Integer(allow_none=True)


class InvitationSchema(AnswerSchema):
    supplier_id = fields.Integer()
    invited_at = timestamp()


class CompetitionSchema(AnswerSchema):
    """A competition as the caller's side sees it (suppliers: ``invitation``, ``standing``
    and, for one competition, ``ceilings``)."""

    sometimes = ("invitation", "standing", "ceilings")

    id = fields.Integer()
    requisition_id = fields.Integer(allow_none=True, metadata={"description": "null when the "
                                                               "subject is a joint purchase"})
    subject = fields.String(metadata={"example": "requisition"})
    status = fields.String(validate=validate.OneOf([s.value for s in CompetitionStatus]))
    deadline = timestamp()
    closed_at = timestamp(allow_none=True)
    sme_deduction = fields.String()
    sme_only = fields.Boolean()
    method = fields.String(allow_none=True)
    evaluation_plan = fields.Dict(allow_none=True)
    requirement_text = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(CompetitionLineSchema))
    invited_count = fields.Integer()
    quoted_count = fields.Integer()
    invited_supplier_ids = fields.List(fields.Integer(), allow_none=True)
    awarded_quote_id = fields.Integer(allow_none=True)
    awarded_rank = fields.Integer(allow_none=True)
    award_reason = fields.String(allow_none=True)
    cancelled_at = timestamp(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    quotes = fields.List(fields.Nested(QuoteAnswerSchema), allow_none=True)
    invitation = fields.Nested(InvitationSchema, allow_none=True)
    standing = fields.String(validate=validate.OneOf(
        ["cancelled", "won", "lost", "missed", "quoted", "to_quote"]))
    ceilings = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class FlagSchema(AnswerSchema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf([k.value for k in FlagKind]))
    competition_id = fields.Integer(allow_none=True)
    purchaser_organization_id = fields.Integer(allow_none=True)
    supplier_ids = fields.List(fields.Integer())
    details = fields.Dict(allow_none=True)
    created_at = timestamp()
    status = fields.String(metadata={"example": "open"})
    resolution = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)
    resolved_at = timestamp(allow_none=True)


class AccountabilityReportSchema(AnswerSchema):
    year = fields.Integer()
    items = fields.List(fields.Dict(), metadata={
        "description": "per purchaser: near-threshold share, split catches, top-supplier and "
                       "single-approver shares, the requisitions behind each figure"})
    thresholds = fields.Dict(keys=fields.String(), values=fields.String())


class _SpendGroupSchema(AnswerSchema):
    key = fields.String()
    label = fields.String()
    spend = money_field()
    sme_spend = money_field()
    sme_share = fields.String(allow_none=True)
    order_lines = fields.Integer()
    joint_spend = money_field()


class _SpendTotalSchema(AnswerSchema):
    currency = fields.String()
    spend = money_field()
    sme_spend = money_field()
    sme_share = fields.String(allow_none=True)
    joint_spend = money_field()


class SpendReportSchema(AnswerSchema):
    group_by = fields.String()
    joint = fields.Boolean(allow_none=True, metadata={
        "description": "true: joint purchase orders only; false: the others; null: all"})
    from_ = fields.String(data_key="from", allow_none=True, metadata={"format": "date"})
    to = day(allow_none=True)
    items = fields.List(fields.Nested(_SpendGroupSchema))
    totals = fields.List(fields.Nested(_SpendTotalSchema))


class _PurchaserRefSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()


class _ReservationTargetSchema(AnswerSchema):
    share = fields.String()
    applies_above = money_field()
    applies = fields.Boolean()
    required = money_field()
    met = fields.Boolean()
    profile = fields.String()


class _ReservationRowSchema(AnswerSchema):
    purchaser = fields.Nested(_PurchaserRefSchema)
    total = money_field()
    reserved = money_field()
    share = fields.String(allow_none=True)
    sme_spend = money_field()
    sme_share = fields.String(allow_none=True)
    target = fields.Nested(_ReservationTargetSchema)


class SmeReservationReportSchema(AnswerSchema):
    year = fields.Integer()
    items = fields.List(fields.Nested(_ReservationRowSchema))
