"""The notifications API's shapes: the list's query and the answers."""

from __future__ import annotations

from marshmallow import Schema, fields

from mall.apidoc import AnswerSchema, timestamp


class NotificationListQuerySchema(Schema):
    unread = fields.Boolean(metadata={"description": "true: only the unread ones"})


class NotificationSchema(AnswerSchema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String(metadata={"description": "in the reader's language"})
    target_type = fields.String()
    target_id = fields.String()
    link = fields.String(allow_none=True)
    params = fields.Dict()
    created_at = timestamp()
    read_at = timestamp(allow_none=True)


class MarkedReadSchema(AnswerSchema):
    marked = fields.Integer(metadata={"description": "how many were unread"})
    unread = fields.Integer()
