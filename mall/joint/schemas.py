"""Request shapes for joint purchases (marshmallow)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from mall.accounts.schemas import REGION
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
