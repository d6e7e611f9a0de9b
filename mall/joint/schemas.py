"""The joint-purchase API's shapes (marshmallow): requests (loaded by the views) and the
answers (documenting ``serializers.py`` for the OpenAPI document)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from mall.accounts.schemas import REGION
from mall.apidoc import AnswerSchema, day, money_field, timestamp
from mall.joint.models import JointStatus
from mall.orders.models import MAX_LINE_QUANTITY
from mall.standards.schemas import MAX_REQUIREMENT_TEXT


class ScopeSchema(Schema):
    regions = fields.List(fields.String(validate=REGION), load_default=list,
                          validate=validate.Length(max=100))


class JointPurchaseSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    standard_code = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    product_id = fields.Integer(allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=2**31 - 1))
    agreement_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    lot_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    closes_at = fields.AwareDateTime(required=True)
    deliver_by = fields.Date(required=True)
    requirement_text = fields.String(allow_none=True,
                                     validate=validate.Length(max=MAX_REQUIREMENT_TEXT))
    scope = fields.Nested(ScopeSchema, allow_none=True)
    min_quantity = fields.Integer(allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))


class JointPurchaseQuerySchema(Schema):
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in JointStatus]))


class CommitmentSchema(Schema):
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_LINE_QUANTITY))
    delivery_region = fields.String(allow_none=True, validate=REGION)


class JointAwardSchema(Schema):
    quote_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))


class JointReportQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


# --- Answers -------------------------------------------------------------------------------

class _OrganizationRefSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()


class CommitmentAnswerSchema(AnswerSchema):
    """A commitment: quantity and region to everyone; who and the rest to the center and to
    the committing purchaser only."""

    sometimes = ("organization", "preview", "requisition_id", "requisition_status",
                 "order_ids", "savings", "updated_at")

    quantity = fields.Integer()
    delivery_region = fields.String(allow_none=True)
    organization = fields.Nested(_OrganizationRefSchema)
    preview = fields.Dict(allow_none=True)
    requisition_id = fields.Integer(allow_none=True)
    requisition_status = fields.String(allow_none=True)
    order_ids = fields.List(fields.Integer())
    savings = money_field(allow_none=True)
    updated_at = timestamp()


class _LeadSchema(AnswerSchema):
    kind = fields.String()
    is_you = fields.Boolean()
    organization_id = fields.Integer(allow_none=True, metadata={"description": "center only"})


class _CategoryRefSchema(AnswerSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String(allow_none=True)


class _ScopeAnswerSchema(AnswerSchema):
    regions = fields.List(fields.String())


class _JointAwardAnswerSchema(AnswerSchema):
    unit_price = money_field()
    savings = money_field()


class JointPurchaseAnswerSchema(AnswerSchema):
    sometimes = ("commitments",)

    id = fields.Integer()
    title = fields.String()
    status = fields.String(validate=validate.OneOf([s.value for s in JointStatus]))
    lead = fields.Nested(_LeadSchema)
    agreement_number = fields.String()
    lot_code = fields.String()
    category = fields.Nested(_CategoryRefSchema)
    product_id = fields.Integer(allow_none=True)
    standard_code = fields.String(allow_none=True)
    standard_version = fields.Integer(allow_none=True)
    closes_at = timestamp()
    deliver_by = day()
    requirement_text = fields.String(allow_none=True)
    scope = fields.Nested(_ScopeAnswerSchema)
    min_quantity = fields.Integer(allow_none=True)
    total_quantity = fields.Integer()
    participants = fields.Integer()
    my_commitment = fields.Nested(CommitmentAnswerSchema, allow_none=True)
    competition_id = fields.Integer(allow_none=True)
    reference_price = money_field(allow_none=True)
    closed_at = timestamp(allow_none=True)
    outcome_reason = fields.String(allow_none=True)
    award = fields.Nested(_JointAwardAnswerSchema, allow_none=True)
    created_at = timestamp()
    commitments = fields.List(fields.Nested(CommitmentAnswerSchema),
                              metadata={"description": "one joint purchase only"})


class _ReportParticipantSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String(allow_none=True)
    quantity = fields.Integer()
    savings = money_field(allow_none=True)


class _ReportOwnShareSchema(AnswerSchema):
    quantity = fields.Integer()
    value = money_field()
    savings = money_field(allow_none=True)


class _ReportCampaignSchema(AnswerSchema):
    sometimes = ("participant_organizations", "mine")

    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    closed_at = timestamp(allow_none=True)
    participants = fields.Integer()
    total_quantity = fields.Integer()
    unit_price = money_field(allow_none=True)
    reference_price = money_field(allow_none=True)
    value = money_field()
    savings = money_field()
    savings_share = fields.String(metadata={"example": "0.0800"})
    participant_organizations = fields.List(fields.Nested(_ReportParticipantSchema), metadata={
        "description": "the center and auditors only"})
    mine = fields.Nested(_ReportOwnShareSchema, allow_none=True, metadata={
        "description": "a purchaser's own share"})


class _ReportTotalSchema(AnswerSchema):
    currency = fields.String()
    campaigns = fields.Integer()
    awarded = fields.Integer()
    failed = fields.Integer()
    participations = fields.Integer()
    purchasers = fields.Integer()
    quantity = fields.Integer()
    value = money_field()
    savings = money_field()
    savings_share = fields.String()


class JointReportSchema(AnswerSchema):
    year = fields.Integer()
    items = fields.List(fields.Nested(_ReportCampaignSchema))
    totals = fields.List(fields.Nested(_ReportTotalSchema))
