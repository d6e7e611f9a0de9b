"""Query arguments of the audit API."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class AuditQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    target_type = fields.String(load_default=None, validate=validate.Length(max=32))
    target_id = fields.String(load_default=None, validate=validate.Length(max=64))
