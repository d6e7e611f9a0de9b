"""Orders API for the center and auditors: compliance flags and the spend, SME-reservation and
accountability reports."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from sqlalchemy import select

from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.permissions import CENTER, PURCHASER, api_guard
from mall.apidoc import documented, page_of
from mall.db import db, utcnow
from mall.errors import Forbidden
from mall.http import json_body, load, paginate
from mall.orders.models import Flag
from mall.orders.schemas import (
    AccountabilityQuerySchema,
    AccountabilityReportSchema,
    FlagListQuerySchema,
    FlagResolveSchema,
    FlagSchema,
    SmeReservationQuerySchema,
    SmeReservationReportSchema,
    SpendQuerySchema,
    SpendReportSchema,
)
from mall.orders.serializers import flag_json
from mall.orders.services import accountability, flags, reports
from mall.orders.views.blueprint import api


@api.get("/admin/flags")
@documented(query=FlagListQuerySchema, responses={200: page_of(FlagSchema)},
            paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def flag_list(user: User) -> Any:
    query = select(Flag).order_by(Flag.id.desc())
    if request.args.get("kind"):
        query = query.where(Flag.kind == request.args["kind"])
    if request.args.get("status"):
        query = query.where(Flag.status == request.args["status"])
    return jsonify(paginate(db.session(), query, flag_json))


@api.post("/admin/flags/<int:flag_id>/resolve")
@documented(body=FlagResolveSchema, responses={200: FlagSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def flag_resolve(flag_id: int, user: User) -> Any:
    """Dismiss (with a reason) or act: suspend or debar one of the flag's suppliers, refer."""
    data = load(FlagResolveSchema(), json_body())
    session = db.session()
    flag = flags.resolve(session, user, flag_id, data["resolution"], data["reason"],
                         data["organization_id"], data["until"])
    session.commit()
    return jsonify(flag_json(flag))


def _report_scope(user: User) -> int | None:
    """Whose figures a report shows: an agency's auditor its own organization's (other
    purchaser roles none), the center everyone's (None)."""
    if user.organization.kind != OrganizationKind.purchaser:
        return None
    if not user.has_role(Role.auditor):
        raise Forbidden("This needs the role auditor.", code="role_required")
    return user.organization_id


@api.get("/reports/spend")
@documented(query=SpendQuerySchema, responses={200: SpendReportSchema})
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER + PURCHASER)
def spend_report(user: User) -> Any:
    args = load(SpendQuerySchema(), request.args.to_dict())
    own = _report_scope(user)
    return jsonify(reports.spend(db.session(), args["group_by"], args["from_"], args["to"],
                                 purchaser_organization_id=own, joint=args["joint"]))


@api.get("/reports/sme-reservation")
@documented(query=SmeReservationQuerySchema, responses={200: SmeReservationReportSchema})
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER + PURCHASER)
def sme_reservation_report(user: User) -> Any:
    args = load(SmeReservationQuerySchema(), request.args.to_dict())
    own = _report_scope(user)
    year = args["year"] or utcnow().year
    return jsonify(reports.sme_reservation(db.session(), year,
                                           current_app.config["MALL"].jurisdiction,
                                           purchaser_organization_id=own))


@api.get("/reports/accountability")
@documented(query=AccountabilityQuerySchema, responses={200: AccountabilityReportSchema})
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER + PURCHASER)
def accountability_report(user: User) -> Any:
    """Per purchaser: near-threshold share, split catches, top-supplier and single-approver
    shares, with the requisitions behind each figure and the thresholds it is past."""
    args = load(AccountabilityQuerySchema(), request.args.to_dict())
    own = _report_scope(user)
    return jsonify(accountability.accountability(
        db.session(), args["year"] or utcnow().year, current_app.config["MALL"].thresholds,
        purchaser_organization_id=own))
