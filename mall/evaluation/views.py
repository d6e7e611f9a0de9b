"""Evaluation API: the expert pool, panel draws, remote scoring and the result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, READER_ROLES, api_guard
from mall.apidoc import documented, page_of
from mall.db import db
from mall.evaluation.models import Expert, PanelDraw
from mall.evaluation.schemas import (
    AssignmentSchema,
    ConflictAnswerSchema,
    ConflictSchema,
    EvaluationResultSchema,
    ExpertCreateSchema,
    ExpertSchema,
    PanelSchema,
    ScoresSchema,
)
from mall.evaluation.serializers import assignment_json, expert_json, panel_json, result_json
from mall.evaluation.services import experts, panels, scoring
from mall.http import json_body, load, paginate
from mall.orders.models import Competition

api = Blueprint("evaluation_api", __name__, url_prefix="/api/v1")


@api.post("/admin/experts")
@documented(body=ExpertCreateSchema, responses={201: ExpertSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def expert_create(user: User) -> Any:
    data = load(ExpertCreateSchema(), json_body())
    expert = experts.register_expert(db.session(), user, data)
    db.session.commit()
    return jsonify(expert_json(expert)), 201


@api.get("/admin/experts")
@documented(responses={200: page_of(ExpertSchema)}, paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def expert_list(user: User) -> Any:
    query = select(Expert).order_by(Expert.user_id)
    return jsonify(paginate(db.session(), query, expert_json))


@api.post("/expert/conflicts")
@documented(body=ConflictSchema, responses={201: ConflictAnswerSchema}, errors=[409, 422])
@api_guard(Role.expert, kinds=CENTER)
def conflict_declare(user: User) -> Any:
    data = load(ConflictSchema(), json_body())
    conflict = experts.declare_conflict(db.session(), user, data["organization_id"],
                                        data["reason"])
    db.session.commit()
    return jsonify({"id": conflict.id, "organization_id": conflict.organization_id,
                    "kind": conflict.kind, "reason": conflict.reason}), 201


@api.get("/expert/evaluations")
@documented(responses={200: page_of(AssignmentSchema)}, paginated=True)
@api_guard(Role.expert, kinds=CENTER)
def assignment_list(user: User) -> Any:
    session = db.session()
    return jsonify(paginate(session, scoring.assignments_query(user), lambda m: assignment_json(
        m, session.get_one(Competition, m.competition_id))))


@api.get("/expert/evaluations/<int:member_id>")
@documented(responses={200: AssignmentSchema})
@api_guard(Role.expert, kinds=CENTER)
def assignment_show(member_id: int, user: User) -> Any:
    session = db.session()
    member = scoring.assignment_for(session, user, member_id)
    return jsonify(assignment_json(member, session.get_one(Competition, member.competition_id),
                                   detail=True))


@api.put("/expert/evaluations/<int:member_id>/scores")
@documented(body=ScoresSchema, responses={200: AssignmentSchema}, errors=[409, 422])
@api_guard(Role.expert, kinds=CENTER)
def assignment_scores(member_id: int, user: User) -> Any:
    data = load(ScoresSchema(), json_body())
    session = db.session()
    member = scoring.submit_scores(session, user, member_id, data["scores"], data["comments"])
    session.commit()
    return jsonify(assignment_json(member, session.get_one(Competition, member.competition_id),
                                   detail=True))


@api.post("/competitions/<int:competition_id>/panel")
@documented(responses={201: PanelSchema}, errors=[409, 422])
@api_guard(Role.buyer, Role.approver, Role.center_admin, kinds=PURCHASER + CENTER)
def panel_draw(competition_id: int, user: User) -> Any:
    session = db.session()
    panel = panels.draw(session, user, competition_id)
    session.commit()
    return jsonify(panel_json(panel, panels.members(session, competition_id))), 201


@api.get("/competitions/<int:competition_id>/evaluation")
@documented(responses={200: EvaluationResultSchema})
@api_guard(*READER_ROLES, Role.center_admin, kinds=PURCHASER + CENTER)
def evaluation_show(competition_id: int, user: User) -> Any:
    session = db.session()
    competition = panels.competition_for_panel(session, user, competition_id)
    members = panels.members(session, competition_id)
    return jsonify(result_json(competition, session.get(PanelDraw, competition_id), members,
                               scoring.result(session, competition, members)))
