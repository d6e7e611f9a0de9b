"""Orders API, second-stage competitions: the purchaser's view and actions, the suppliers' list
and quotes."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy.orm import Session

from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.permissions import PURCHASER, PURCHASING_ROLES, SUPPLIER, api_guard
from mall.apidoc import documented, page_of
from mall.db import db, utcnow
from mall.http import json_body, load, paginate
from mall.orders.models import Competition
from mall.orders.schemas import (
    AwardSchema,
    CancelSchema,
    CompetitionSchema,
    QuoteAnswerSchema,
    QuoteSchema,
    SupplierCompetitionQuerySchema,
)
from mall.orders.serializers import competition_json, quote_json
from mall.orders.services import awards, competition_subjects, competitions
from mall.orders.views.blueprint import api


@api.get("/competitions/<int:competition_id>")
@documented(responses={200: CompetitionSchema})
@api_guard(Role.buyer, Role.approver, Role.auditor, Role.supplier_admin,
           kinds=PURCHASER + SUPPLIER)
def competition_show(competition_id: int, user: User) -> Any:
    session = db.session()
    if user.organization.kind == OrganizationKind.supplier:
        competition = competitions.competition_for_supplier(session, user, competition_id)
        return jsonify(supplier_competition_json(session, competition, user, detail=True))
    competition = competitions.competition_for_purchaser(session, user, competition_id)
    return jsonify(purchaser_competition_json(competition))


def purchaser_competition_json(competition: Competition) -> dict[str, Any]:
    """Sealed until quoting ends: no quote before then, no supplier behind one before the
    award; afterwards the quotes in evaluation order with their rank."""
    if not competitions.quotes_visible_to_purchaser(competition, utcnow()):
        return competition_json(competition, None)
    table = awards.evaluation(db.session(), competition)
    return competition_json(competition, [row.quote for row in table], ranked=True,
                            scores={row.quote.id: row.score for row in table})


def supplier_competition_json(session: Session, competition: Competition, user: User,
                              detail: bool = False) -> dict[str, Any]:
    """What an invited supplier sees: its own invitation and quote, counts of the others,
    where it stands, and (in detail) its ceiling per line."""
    own = [q for q in competition.quotes if q.supplier_id == user.organization_id]
    extra: dict[str, Any] = {
        "standing": competitions.supplier_standing(competition, user.organization_id)}
    if detail:
        extra["ceilings"] = {
            str(line.id): (None if ceiling is None else str(ceiling))
            for line in competition_subjects.lines_of(session, competition)
            for ceiling in [competitions.ceiling_of(session, competition, line,
                                                    user.organization_id)]}
    return competition_json(competition, own, supplier_id=user.organization_id,
                            supplier_extra=extra)


@api.get("/supplier/competitions")
@documented(query=SupplierCompetitionQuerySchema,
            responses={200: page_of(CompetitionSchema)}, paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_competitions(user: User) -> Any:
    args = load(SupplierCompetitionQuerySchema(), request.args.to_dict())
    session = db.session()
    query = competitions.supplier_invitations_query(user, args["status"])
    return jsonify(paginate(session, query,
                            lambda c: supplier_competition_json(session, c, user)))


@api.post("/competitions/<int:competition_id>/quotes")
@documented(body=QuoteSchema, responses={201: QuoteAnswerSchema}, errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def competition_quote(competition_id: int, user: User) -> Any:
    data = load(QuoteSchema(), json_body())
    quote = competitions.submit_quote(db.session(), user, competition_id, data["lines"],
                                      technical=data["technical"])
    db.session.commit()
    return jsonify(quote_json(quote)), 201


@api.post("/competitions/<int:competition_id>/close")
@documented(responses={200: CompetitionSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_close(competition_id: int, user: User) -> Any:
    competition = competitions.close_quoting(db.session(), user, competition_id)
    db.session.commit()
    return jsonify(purchaser_competition_json(competition))


@api.post("/competitions/<int:competition_id>/cancel")
@documented(body=CancelSchema, responses={200: CompetitionSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_cancel(competition_id: int, user: User) -> Any:
    data = load(CancelSchema(), json_body())
    competition = competitions.cancel_competition(db.session(), user, competition_id,
                                                  data["reason"])
    db.session.commit()
    return jsonify(purchaser_competition_json(competition))


@api.post("/competitions/<int:competition_id>/award")
@documented(body=AwardSchema, responses={200: CompetitionSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_award(competition_id: int, user: User) -> Any:
    data = load(AwardSchema(), request.get_json(silent=True) or {})
    competition = awards.award(db.session(), user, competition_id, data["quote_id"],
                               data.get("reason"))
    db.session.commit()
    return jsonify(purchaser_competition_json(competition))
