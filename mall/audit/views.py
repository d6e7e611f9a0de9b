"""Audit trail API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.permissions import CENTER, PURCHASER, api_guard
from mall.apidoc import documented, page_of
from mall.audit.models import AuditEvent
from mall.audit.schemas import AuditEventSchema, AuditQuerySchema
from mall.audit.serializers import event_json
from mall.db import db
from mall.http import load, paginate

api = Blueprint("audit_api", __name__, url_prefix="/api/v1")


@api.get("/audit")
@documented(query=AuditQuerySchema, responses={200: page_of(AuditEventSchema)},
            paginated=True)
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
    if user.organization.kind == OrganizationKind.purchaser:
        query = query.where(AuditEvent.actor_organization_id == user.organization_id)
    return jsonify(paginate(db.session(), query, event_json))
