"""Flags: every kind with its evidence, split catches, and the center's resolution."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import redirect, render_template, request, url_for

from mall.accounts.models import Role, User
from mall.center import services
from mall.center.pages.common import pages, read_guard, run_form, write_guard
from mall.db import db, utcnow
from mall.i18n import gettext as _
from mall.labels import label
from mall.orders.models import FlagKind, FlagResolution, FlagStatus
from mall.orders.services import accountability, flags

SPLIT_WINDOW_DAYS = 90


@pages.get("/flags")
@read_guard
def flag_list(user: User) -> Any:
    session = db.session()
    kind = request.args.get("kind") or None
    status = request.args.get("status", FlagStatus.open.value) or None
    now = utcnow()
    catches = accountability.split_catches(session, now - timedelta(days=SPLIT_WINDOW_DAYS),
                                           now + timedelta(seconds=1))
    return render_template(
        "center/flags.html", rows=services.flag_rows(session, kind, status), kind=kind,
        status=status, kinds=list(FlagKind), statuses=list(FlagStatus),
        resolutions=list(FlagResolution), catches=catches[:100],
        split_window=SPLIT_WINDOW_DAYS, may_write=user.has_role(Role.center_admin))


@pages.post("/flags/<int:flag_id>/resolve")
@write_guard
def flag_resolve(flag_id: int, user: User) -> Any:
    session = db.session()
    form = request.form
    organization = (form.get("organization_id") or "").strip()
    resolution = form.get("resolution") or ""
    run_form(session, lambda: flags.resolve(
        session, user, flag_id, resolution, form.get("reason"),
        int(organization) if organization.isdigit() else None),
        _("Flag %(id)s resolved: %(resolution)s.", id=flag_id,
          resolution=label(resolution, "flag_resolution")))
    return redirect(url_for("center_pages.flag_list"))
