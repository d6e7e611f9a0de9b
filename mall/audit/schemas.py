"""The audit API's shapes: query arguments (loaded by the view) and the answer."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from mall.apidoc import AnswerSchema, timestamp


class AuditQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    target_type = fields.String(load_default=None, validate=validate.Length(max=32))
    target_id = fields.String(load_default=None, validate=validate.Length(max=64))


class AuditEventSchema(AnswerSchema):
    id = fields.Integer()
    occurred_at = timestamp()
    actor_user_id = fields.Integer(allow_none=True)
    actor_organization_id = fields.Integer(allow_none=True)
    action = fields.String(metadata={"example": "offer.updated"})
    target_type = fields.String()
    target_id = fields.String()
    before = fields.Raw(allow_none=True, metadata={"type": "object"})
    after = fields.Raw(allow_none=True, metadata={"type": "object"})
    reason = fields.String(allow_none=True)
    prev_hash = fields.String(allow_none=True)
    hash = fields.String()
