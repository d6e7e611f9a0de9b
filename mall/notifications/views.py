"""The inbox API: one's own notifications, newest first; marking them read."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from mall.accounts.models import User
from mall.accounts.permissions import api_guard
from mall.apidoc import documented, page_of
from mall.db import db
from mall.errors import BadRequest
from mall.http import paginate
from mall.notifications import services
from mall.notifications.schemas import (
    MarkedReadSchema,
    NotificationListQuerySchema,
    NotificationSchema,
)
from mall.notifications.serializers import notification_json

api = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
TRUE, FALSE = ("true", "1"), ("false", "0", "")


def unread_arg() -> bool:
    raw = request.args.get("unread", "").lower()
    if raw not in TRUE + FALSE:
        raise BadRequest("unread is true or false.", code="invalid_query",
                         details={"field": "unread"})
    return raw in TRUE


@api.get("/notifications")
@documented(query=NotificationListQuerySchema, responses={200: page_of(NotificationSchema)},
            paginated=True)
@api_guard()
def notification_list(user: User) -> Any:
    """The caller's own notifications: unread first, newest first (``?unread=true``: only
    those)."""
    session = db.session()
    return paginate(session, services.inbox_query(user, unread_arg()), notification_json)


@api.post("/notifications/<int:notification_id>/read")
@documented(responses={200: NotificationSchema}, errors=[404])
@api_guard()
def notification_read(notification_id: int, user: User) -> Any:
    """Mark one of the caller's notifications read (again: no change)."""
    session = db.session()
    notification = services.mark_read(session, user, notification_id)
    session.commit()
    return notification_json(notification)


@api.post("/notifications/read")
@documented(responses={200: MarkedReadSchema})
@api_guard()
def notification_read_all(user: User) -> Any:
    """Mark all the caller's notifications read."""
    session = db.session()
    marked = services.mark_all_read(session, user)
    session.commit()
    return {"marked": marked, "unread": services.unread_count(session, user)}
