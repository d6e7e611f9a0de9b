"""Request shapes for requirement checks and standards (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.standards.models import RequirementOp

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                       error="Use 1-64 letters, digits, '.', '_' or '-'.")
MAX_REQUIREMENT_TEXT = 20_000
MAX_CONDITIONS = 50


class RequirementCheckSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(max=MAX_REQUIREMENT_TEXT))
    category_code = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))


class ConditionSchema(Schema):
    attribute = fields.String(required=True, validate=validate.Length(min=1, max=64))
    op = fields.String(required=True, validate=validate.OneOf([o.value for o in RequirementOp]))
    # Typed against the category template by the service (number, string, bool or a list).
    value = fields.Raw(required=True, allow_none=False)


class StandardCreateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    category_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title_zh = fields.String(required=True, validate=validate.Length(min=1, max=300))
    title_en = fields.String(required=True, validate=validate.Length(min=1, max=300))
    guidance_zh = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    guidance_en = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    grade = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    requirements = fields.List(fields.Nested(ConditionSchema), required=True,
                               validate=validate.Length(min=1, max=MAX_CONDITIONS))
    reference_price = fields.Decimal(as_string=True, allow_nan=False, allow_none=True,
                                     places=2, validate=validate.Range(min=0, max=10**12,
                                                                       max_inclusive=False))
    currency = fields.String(allow_none=True, validate=validate.Regexp(
        r"^[A-Z]{3}$", error="An ISO 4217 code such as CNY or USD."))
