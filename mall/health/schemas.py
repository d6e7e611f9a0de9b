"""The health check's answer (documented in the OpenAPI document)."""

from __future__ import annotations

from marshmallow import fields, validate

from mall.apidoc import AnswerSchema


class HealthSchema(AnswerSchema):
    status = fields.String(validate=validate.OneOf(["ok", "degraded"]))
    database = fields.String(metadata={"example": "ok"})
    search = fields.String(metadata={"example": "ok"})
