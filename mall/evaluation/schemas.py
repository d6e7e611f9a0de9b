"""The evaluation API's shapes: requests (registering experts, declaring conflicts,
submitting scores; loaded by the views) and the answers (documenting ``serializers.py``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.accounts.schemas import REGION
from mall.apidoc import AnswerSchema, money_field, timestamp


class ExpertCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    region = fields.String(required=True, validate=REGION)
    specialties = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                              required=True, validate=validate.Length(min=1, max=50))
    affiliations = fields.List(fields.Integer(strict=True), load_default=list,
                               validate=validate.Length(max=100))


class ConflictSchema(Schema):
    organization_id = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ScoresSchema(Schema):
    # {quote id: {criterion key: number}}; checked against the plan by the service.
    scores = fields.Dict(keys=fields.String(validate=validate.Length(max=20)),
                         values=fields.Dict(keys=fields.String(validate=validate.Length(max=32)),
                                            values=fields.Raw()),
                         required=True)
    comments = fields.Dict(keys=fields.String(validate=validate.Length(max=20)),
                           values=fields.Dict(
                               keys=fields.String(validate=validate.Length(max=32)),
                               values=fields.String(validate=validate.Length(max=2000))),
                           load_default=dict)


# --- Answers -------------------------------------------------------------------------------

class ExpertSchema(AnswerSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    region = fields.String()
    specialties = fields.List(fields.String())
    roles = fields.List(fields.String())


class ConflictAnswerSchema(AnswerSchema):
    id = fields.Integer()
    organization_id = fields.Integer()
    kind = fields.String()
    reason = fields.String(allow_none=True)


class _PanelExpertSchema(AnswerSchema):
    id = fields.Integer()
    region = fields.String()
    submitted = fields.Boolean()


class PanelSchema(AnswerSchema):
    competition_id = fields.Integer()
    seed = fields.String()
    panel_size = fields.Integer()
    experts = fields.List(fields.Nested(_PanelExpertSchema))
    pool_size = fields.Integer()
    exclusions = fields.List(fields.Raw(), metadata={"description": "experts left out, and why"})
    drawn_at = timestamp()


class _AssignmentLineSchema(AnswerSchema):
    title = fields.String()
    quantity = fields.Integer()


class _AnonymousQuoteSchema(AnswerSchema):
    quote_id = fields.Integer()
    letter = fields.String()
    technical = fields.Dict()


class AssignmentSchema(AnswerSchema):
    sometimes = ("requirement_text", "criteria", "quotes", "scores", "comments")

    id = fields.Integer()
    competition_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(["submitted", "to_score"]))
    submitted_at = timestamp(allow_none=True)
    lines = fields.List(fields.Nested(_AssignmentLineSchema))
    requirement_text = fields.String(allow_none=True, metadata={"description": "detail only"})
    criteria = fields.List(fields.Dict())
    quotes = fields.List(fields.Nested(_AnonymousQuoteSchema))
    scores = fields.Dict(allow_none=True)
    comments = fields.Dict(allow_none=True)


class _PanelSeatSchema(AnswerSchema):
    expert_id = fields.Integer()
    region = fields.String()
    submitted = fields.Boolean()


class _RankedQuoteSchema(AnswerSchema):
    quote_id = fields.Integer()
    rank = fields.Integer()
    evaluated_price = money_field()
    price_score = fields.String()
    criterion_means = fields.Dict(keys=fields.String(), values=fields.String())
    quality_score = fields.String()
    total = fields.String()


class _OutlierSchema(AnswerSchema):
    expert_id = fields.Integer()
    quote_id = fields.Integer()
    criterion = fields.String()
    score = fields.String()
    others_median = fields.String()


class EvaluationResultSchema(AnswerSchema):
    competition_id = fields.Integer()
    method = fields.String()
    plan = fields.Dict(allow_none=True)
    status = fields.String(validate=validate.OneOf(["complete", "scoring", "no_panel"]))
    panel = fields.List(fields.Nested(_PanelSeatSchema))
    quotes = fields.List(fields.Nested(_RankedQuoteSchema), allow_none=True,
                         metadata={"description": "sealed (null) until complete"})
    outliers = fields.List(fields.Nested(_OutlierSchema), allow_none=True)
