"""Standards pages (blueprint ``standards_pages``): the list, one standard with its versions,
and a requirement checker that marks each finding in the text."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select

from mall.accounts.permissions import public
from mall.db import db
from mall.errors import ApiError
from mall.standards import services
from mall.standards.rules import Finding
from mall.standards.schemas import MAX_REQUIREMENT_TEXT

pages = Blueprint("standards_pages", __name__, template_folder="templates")
PER_PAGE = 50


@pages.get("/standards")
@public
def standards() -> Any:
    session = db.session()
    category = request.args.get("category") or None
    try:
        query = services.standards_query(session, category)
    except ApiError as exc:
        return render_template("standards/list.html", rows=[], total=0, page=1, pages=1,
                               category=category, error=exc.message), 404
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("standards/list.html", rows=rows, total=total, page=page,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
                           category=category, error=None)


@pages.get("/standards/<code>")
@public
def standard(code: str) -> Any:
    session = db.session()
    version = request.args.get("version", type=int)
    try:
        row = services.get_standard(session, code, version)
    except ApiError:
        abort(404)
    return render_template("standards/standard.html", standard=row,
                           history=services.history(session, code))


def _marked(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """The text cut into plain pieces and marked findings (overlaps go to the first)."""
    pieces: list[tuple[str, Finding | None]] = []
    at = 0
    for f in findings:
        if f.start < at:
            continue
        if f.start > at:
            pieces.append((text[at:f.start], None))
        pieces.append((text[f.start:f.end], f))
        at = f.end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces


@pages.get("/requirements/check")
@public
def check() -> Any:
    """Paste a requirement: every finding marked where it is, with what to do about it."""
    text = request.args.get("text", "")[:MAX_REQUIREMENT_TEXT]
    findings = services.check_text(db.session(), text) if text.strip() else []
    return render_template("standards/check.html", text=text, findings=findings,
                           pieces=_marked(text, findings))
