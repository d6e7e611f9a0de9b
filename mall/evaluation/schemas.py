"""Request schemas: registering experts, declaring conflicts, submitting scores."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.accounts.schemas import REGION


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
