"""Evaluation pages: the expert's assignments and scoring form, the printable report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, READER_ROLES, page_guard
from mall.db import db
from mall.evaluation.models import PanelDraw
from mall.evaluation.services import panels, scoring
from mall.forms import run_action
from mall.i18n import gettext as _
from mall.orders.models import Competition

pages = Blueprint("evaluation_pages", __name__)


@pages.get("/expert")
@page_guard(Role.expert, kinds=CENTER)
def assignments(user: User) -> Any:
    session = db.session()
    rows = session.scalars(scoring.assignments_query(user).limit(100)).all()
    return render_template("evaluation/assignments.html", rows=[
        (m, session.get_one(Competition, m.competition_id)) for m in rows])


@pages.get("/expert/evaluations/<int:member_id>")
@page_guard(Role.expert, kinds=CENTER)
def score_form(member_id: int, user: User) -> Any:
    session = db.session()
    member = scoring.assignment_for(session, user, member_id)
    competition = session.get_one(Competition, member.competition_id)
    panel = panels.members(session, competition.id)
    return render_template("evaluation/score.html", m=member, c=competition,
                           plan=competition.evaluation_plan or {},
                           quotes=scoring.anonymised(competition),
                           closed=scoring.panel_complete(panel),
                           submitted=sum(1 for p in panel if p.submitted_at), size=len(panel))


@pages.post("/expert/evaluations/<int:member_id>")
@page_guard(Role.expert, kinds=CENTER)
def score_submit(member_id: int, user: User) -> Any:
    """Form fields ``score-<quote id>-<criterion>`` and ``comment-<quote id>-<criterion>``."""
    session = db.session()
    scores: dict[str, dict[str, str]] = {}
    comments: dict[str, dict[str, str]] = {}
    for name, value in request.form.items():
        kind, _sep, rest = name.partition("-")
        quote_id, _sep, key = rest.partition("-")
        if kind == "score" and value.strip():
            scores.setdefault(quote_id, {})[key] = value.strip()
        elif kind == "comment" and value.strip():
            comments.setdefault(quote_id, {})[key] = value.strip()[:2000]
    run_action(session, lambda: scoring.submit_scores(session, user, member_id, scores,
                                                      comments),
               _("Your scores were submitted; they stay sealed until the panel is complete."))
    return redirect(url_for("evaluation_pages.score_form", member_id=member_id))


@pages.get("/competitions/<int:competition_id>/evaluation")
@page_guard(*READER_ROLES, Role.center_admin, kinds=PURCHASER + CENTER)
def report(competition_id: int, user: User) -> Any:
    session = db.session()
    competition = panels.competition_for_panel(session, user, competition_id)
    members = panels.members(session, competition_id)
    outcome = scoring.result(session, competition, members)
    letters = {q.id: letter for letter, q in scoring.anonymised(competition)}
    return render_template(
        "evaluation/report.html", c=competition, draw=session.get(PanelDraw, competition_id),
        members=members, outcome=outcome, letters=letters,
        may_draw=user.has_role(Role.buyer, Role.approver, Role.center_admin))


@pages.post("/competitions/<int:competition_id>/panel")
@page_guard(Role.buyer, Role.approver, Role.center_admin, kinds=PURCHASER + CENTER)
def draw(competition_id: int, user: User) -> Any:
    session = db.session()
    run_action(session, lambda: panels.draw(session, user, competition_id),
               _("The panel was drawn."))
    return redirect(url_for("evaluation_pages.report", competition_id=competition_id))
