"""The standards API's shapes (marshmallow): requests for requirement checks and standards
(loaded by the views) and the answers (documenting ``serializers.py``)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from mall.apidoc import AnswerSchema, money_field, timestamp
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


class StandardListQuerySchema(Schema):
    category = fields.String(metadata={"description": "a category code (and its children)"})


class StandardQuerySchema(Schema):
    version = fields.Integer(validate=validate.Range(min=1))


# --- Answers -------------------------------------------------------------------------------

class FindingSchema(AnswerSchema):
    code = fields.String()
    severity = fields.String(validate=validate.OneOf(["block", "warn"]))
    start = fields.Integer()
    end = fields.Integer()
    message_zh = fields.String()
    message_en = fields.String()
    rule_zh = fields.String()
    rule_en = fields.String()
    excerpt = fields.String()


class FindingsSchema(AnswerSchema):
    findings = fields.List(fields.Nested(FindingSchema))


class _CategoryRefSchema(AnswerSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String(allow_none=True)


class _VersionSchema(AnswerSchema):
    version = fields.Integer()
    created_at = timestamp()


class _ConditionAnswerSchema(AnswerSchema):
    class Meta:
        unknown = INCLUDE

    attribute = fields.String()
    op = fields.String()
    value = fields.Raw()


class StandardSchema(AnswerSchema):
    sometimes = ("history",)

    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    category = fields.Nested(_CategoryRefSchema)
    title_zh = fields.String()
    title_en = fields.String()
    guidance_zh = fields.String(allow_none=True)
    guidance_en = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    requirements = fields.List(fields.Nested(_ConditionAnswerSchema))
    reference_price = money_field(allow_none=True)
    created_at = timestamp()
    history = fields.List(fields.Nested(_VersionSchema),
                          metadata={"description": "with a single standard, not in lists"})
