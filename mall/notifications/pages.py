"""The inbox page (blueprint ``notifications_pages``) for every signed-in user."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import func, select

from mall.accounts.models import User
from mall.accounts.permissions import page_guard
from mall.db import db
from mall.notifications import services
from mall.notifications.messages import render

pages = Blueprint("notifications_pages", __name__, template_folder="templates")
PER_PAGE = 50


@pages.get("/inbox")
@page_guard()
def inbox(user: User) -> Any:
    session = db.session()
    query = services.inbox_query(user)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("notifications/inbox.html",
                           rows=[(n, render(n.kind, n.params or {})) for n in rows],
                           total=total or 0, page=page,
                           pages=max(((total or 0) + PER_PAGE - 1) // PER_PAGE, 1),
                           unread=services.unread_count(session, user))


@pages.post("/inbox/<int:notification_id>/read")
@page_guard()
def read(notification_id: int, user: User) -> Any:
    """Mark read; with ``go``, continue to the notification's target."""
    session = db.session()
    notification = services.mark_read(session, user, notification_id)
    session.commit()
    if request.form.get("go") and notification.link:
        return redirect(notification.link)
    return redirect(url_for("notifications_pages.inbox"))


@pages.post("/inbox/read")
@page_guard()
def read_all(user: User) -> Any:
    session = db.session()
    services.mark_all_read(session, user)
    session.commit()
    return redirect(url_for("notifications_pages.inbox"))
