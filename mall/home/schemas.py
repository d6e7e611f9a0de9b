"""Shapes of ``GET /api/v1/me/tasks``: the caller's to-do sections with counts and items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.apidoc import AnswerSchema, money_field, timestamp
from mall.home.services import DEFAULT_ITEMS, MAX_ITEMS

SECTION_KEYS = ["approvals", "my_requisitions", "deliveries", "supplier_orders", "invitations",
                "feeds", "refused_prices", "price_reviews", "flags", "evaluations", "audit"]
TASK_KINDS = ["requisition", "purchaser_order", "supplier_order", "supplier_competition",
              "feed", "offer", "price_review", "flag", "evaluation", "center_audit",
              "center_flags", "center_reports", "center_accountability", "org_requisitions",
              "org_orders", "org_competitions"]


class TasksQuerySchema(Schema):
    per_section = fields.Integer(
        load_default=DEFAULT_ITEMS, validate=validate.Range(min=1, max=MAX_ITEMS),
        metadata={"description": "How many items each section lists (its count is always "
                                 "the full number)."})


class TaskSchema(AnswerSchema):
    kind = fields.String(validate=validate.OneOf(TASK_KINDS), metadata={
        "description": "What the item is; it says which page acts on it"})
    id = fields.Integer(allow_none=True, metadata={
        "description": "The requisition, order, competition, feed import, offer, price "
                       "change, flag or panel seat; null for an auditor's entry link"})
    title = fields.String(metadata={"description": "in the Accept-Language (en or zh)"})
    url = fields.String(metadata={"description": "The HTML page where it is acted on"})
    status = fields.String(allow_none=True, metadata={
        "description": "The route of a requisition, the status of an order, feed or price "
                       "change, the kind of a flag"})
    at = timestamp(allow_none=True)
    amount = money_field(allow_none=True)
    ref = fields.String(allow_none=True, metadata={
        "description": "A SKU, the order action waiting (confirm, ship, accept) or the "
                       "competition of an evaluation"})
    count = fields.Integer(allow_none=True, metadata={
        "description": "Rows refused by a feed import; items behind an entry link"})


class TaskSectionSchema(AnswerSchema):
    key = fields.String(validate=validate.OneOf(SECTION_KEYS))
    role = fields.String(metadata={"description": "The role that gives this section"})
    title = fields.String()
    empty = fields.String(metadata={"description": "What the page says when it is empty"})
    count = fields.Integer(metadata={
        "description": "Items waiting (for ``audit``: audit events of the last 7 days)"})
    list_url = fields.String(allow_none=True, metadata={
        "description": "The HTML page listing them all"})
    items = fields.List(fields.Nested(TaskSchema), metadata={
        "description": "Oldest first, at most per_section"})


class TasksSchema(AnswerSchema):
    total = fields.Integer(metadata={"description": "Items waiting over every section but "
                                                    "the auditor's"})
    sections = fields.List(fields.Nested(TaskSectionSchema))
