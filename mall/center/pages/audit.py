"""The audit trail: filter by who, what, target and date; links to targets; verify; CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for

from mall.accounts.models import User
from mall.audit.models import AuditEvent
from mall.audit.services import verify_chain
from mall.center import services
from mall.center.pages.common import pages, read_guard
from mall.db import db
from mall.i18n import gettext as _

PAGE_SIZE = 200
CSV_LIMIT = 200_000
CSV_COLUMNS = ("id", "occurred_at", "actor_user_id", "actor_organization_id", "action",
               "target_type", "target_id", "before", "after", "reason", "hash")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        flash(_("%(value)s is not a date (YYYY-MM-DD); ignored.", value=value), "error")
        return None


def _filters() -> dict[str, Any]:
    args = request.args
    before = args.get("before", "")
    return {"who": args.get("who") or None, "action": args.get("action") or None,
            "target_type": args.get("target_type") or None,
            "target_id": args.get("target_id") or None,
            "start": _day(args.get("from")), "end": _day(args.get("to")),
            "before": int(before) if before.isdigit() else None}


def target_link(event: AuditEvent, context: dict[str, Any]) -> str:
    """The center page of the event's target, else the trail filtered on that target."""
    kind, ident = event.target_type, event.target_id
    if kind == "agreement" and ident.isdigit() and int(ident) in context["agreements"]:
        return url_for("center_pages.agreement", number=context["agreements"][int(ident)])
    if kind == "organization" and ident.isdigit():
        return url_for("center_pages.organization", org_id=int(ident))
    if kind == "user" and ident.isdigit() and int(ident) in context["users"]:
        return url_for("center_pages.organization",
                       org_id=context["users"][int(ident)].organization_id)
    if kind == "flag":
        return url_for("center_pages.flag_list", status="")
    return url_for("center_pages.audit_trail", target_type=kind, target_id=ident)


@pages.get("/audit")
@read_guard
def audit_trail(user: User) -> Any:
    session = db.session()
    filters = _filters()
    events = list(session.scalars(services.audit_query(session, **filters).limit(PAGE_SIZE)))
    context = services.audit_context(session, events)
    links = {e.id: target_link(e, context) for e in events}
    more = len(events) == PAGE_SIZE
    query = {k: v for k, v in request.args.items() if k != "before"}
    return render_template("center/audit.html", events=events, links=links,
                           users=context["users"], more=more, query=query,
                           next_before=events[-1].id if more else None)


@pages.post("/audit/verify")
@read_guard
def audit_verify(user: User) -> Any:
    """``mall audit verify`` as a button: recompute the chain and say what it found."""
    session = db.session()
    breaks = list(verify_chain(session))
    count = session.query(AuditEvent).count()
    if breaks:
        flash(_("The audit chain is broken at %(n)s place(s):", n=len(breaks)), "error")
        for item in breaks[:50]:
            flash(_("event %(id)s: %(problem)s", id=item.event_id, problem=item.problem),
                  "error")
    else:
        flash(_("Audit chain intact: %(n)s events verified.", n=count), "ok")
    return redirect(url_for("center_pages.audit_trail"))


@pages.get("/audit.csv")
@read_guard
def audit_csv(user: User) -> Any:
    session = db.session()
    filters = _filters()
    query = services.audit_query(session, **filters).limit(CSV_LIMIT)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for event in session.scalars(query).yield_per(1000):
            writer.writerow([
                event.id, event.occurred_at.isoformat(), event.actor_user_id or "",
                event.actor_organization_id or "", event.action, event.target_type,
                event.target_id,
                json.dumps(event.before, ensure_ascii=False) if event.before else "",
                json.dumps(event.after, ensure_ascii=False) if event.after else "",
                event.reason or "", event.hash])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(rows()), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=audit.csv"})
