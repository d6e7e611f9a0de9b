"""Audit trail API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import select

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, api_guard
from mall.audit.models import AuditEvent
from mall.db import db
from mall.http import load, paginate

api = Blueprint("audit_api", __name__, url_prefix="/api/v1")


class AuditQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    target_type = fields.String(load_default=None, validate=validate.Length(max=32))
    target_id = fields.String(load_default=None, validate=validate.Length(max=64))


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id, "occurred_at": event.occurred_at.isoformat(),
        "actor_user_id": event.actor_user_id,
        "actor_organization_id": event.actor_organization_id, "action": event.action,
        "target_type": event.target_type, "target_id": event.target_id,
        "before": event.before, "after": event.after, "reason": event.reason,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }


@api.get("/audit")
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER + PURCHASER)
def audit_list(user: User) -> Any:
    """Events oldest first. The center reads everything; an agency's auditor reads the events
    its own organization's users caused."""
    args = load(AuditQuerySchema(), request.args.to_dict())
    query = select(AuditEvent).order_by(AuditEvent.id)
    if args["target_type"]:
        query = query.where(AuditEvent.target_type == args["target_type"])
    if args["target_id"]:
        query = query.where(AuditEvent.target_id == args["target_id"])
    if user.organization.kind == "purchaser":
        query = query.where(AuditEvent.actor_organization_id == user.organization_id)
    return jsonify(paginate(db.session(), query, event_json))
