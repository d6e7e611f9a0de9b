"""Joint purchases API (联合采购): campaigns, commitments, close, award."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mall import idempotency
from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, READER_ROLES, api_guard
from mall.apidoc import documented, page_of
from mall.db import db, utcnow
from mall.http import json_body, load, page_args
from mall.joint.schemas import (
    CommitmentSchema,
    JointAwardSchema,
    JointPurchaseAnswerSchema,
    JointPurchaseQuerySchema,
    JointPurchaseSchema,
    JointReportQuerySchema,
    JointReportSchema,
)
from mall.joint.serializers import joint_purchase_json
from mall.joint.services import award, campaigns, closing, commitments, reports
from mall.orders.services.facts import Settings

api = Blueprint("joint_api", __name__, url_prefix="/api/v1")

# Who reads campaigns: the purchasers' staff and the center (admins and auditors).
READERS = (*READER_ROLES, Role.center_admin.value)
MANAGERS = (Role.buyer.value, Role.center_admin.value)


@api.post("/joint-purchases")
@documented(body=JointPurchaseSchema, responses={201: JointPurchaseAnswerSchema},
            errors=[409, 422])
@api_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def joint_purchase_create(user: User) -> Any:
    data = load(JointPurchaseSchema(), json_body())
    session = db.session()
    campaign = campaigns.create_campaign(session, user, data)
    body = joint_purchase_json(session, campaign, user, detail=True)
    session.commit()
    return jsonify(body), 201


@api.get("/joint-purchases")
@documented(query=JointPurchaseQuerySchema, responses={200: page_of(JointPurchaseAnswerSchema)},
            paginated=True)
@api_guard(*READERS, kinds=PURCHASER + CENTER)
def joint_purchase_list(user: User) -> Any:
    args = load(JointPurchaseQuerySchema(), request.args.to_dict())
    page, per_page = page_args()
    session = db.session()
    rows = campaigns.visible_campaigns(session, user, args["status"])
    items = rows[(page - 1) * per_page:page * per_page]
    return jsonify({"items": [joint_purchase_json(session, c, user) for c in items],
                    "total": len(rows), "page": page, "per_page": per_page})


@api.get("/joint-purchases/<int:campaign_id>")
@documented(responses={200: JointPurchaseAnswerSchema})
@api_guard(*READERS, kinds=PURCHASER + CENTER)
def joint_purchase_show(campaign_id: int, user: User) -> Any:
    session = db.session()
    campaign = campaigns.campaign_for(session, user, campaign_id)
    return jsonify(joint_purchase_json(session, campaign, user, detail=True))


@api.post("/joint-purchases/<int:campaign_id>/commitments")
@documented(body=CommitmentSchema, responses={200: JointPurchaseAnswerSchema}, idempotent=True,
            errors=[409, 422])
@api_guard(Role.buyer, kinds=PURCHASER)
def commitment_put(campaign_id: int, user: User) -> Any:
    raw = json_body()
    data = load(CommitmentSchema(), raw)
    session = db.session()
    settings = Settings.from_app_config(current_app.config)

    def create() -> tuple[int, dict[str, Any]]:
        commitment = commitments.commit(session, settings, user, campaign_id,
                                        data["quantity"], data.get("delivery_region"))
        return 200, joint_purchase_json(session, commitment.joint_purchase, user)

    status, body = idempotency.idempotent(
        session, user.id, request.headers.get("Idempotency-Key"),
        idempotency.request_hash(request.path, raw), create)
    session.commit()
    return jsonify(body), status


@api.delete("/joint-purchases/<int:campaign_id>/commitments")
@documented(responses={200: JointPurchaseAnswerSchema}, errors=[409, 422])
@api_guard(Role.buyer, kinds=PURCHASER)
def commitment_delete(campaign_id: int, user: User) -> Any:
    session = db.session()
    campaign = commitments.withdraw(session, user, campaign_id)
    body = joint_purchase_json(session, campaign, user)
    session.commit()
    return jsonify(body)


@api.post("/joint-purchases/<int:campaign_id>/close")
@documented(responses={200: JointPurchaseAnswerSchema}, errors=[409, 422])
@api_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def joint_purchase_close(campaign_id: int, user: User) -> Any:
    session = db.session()
    campaign = closing.close_by(session, Settings.from_app_config(current_app.config), user,
                                campaign_id)
    body = joint_purchase_json(session, campaign, user, detail=True)
    session.commit()
    return jsonify(body)


@api.post("/joint-purchases/<int:campaign_id>/award")
@documented(body=JointAwardSchema, responses={200: JointPurchaseAnswerSchema}, errors=[409, 422])
@api_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def joint_purchase_award(campaign_id: int, user: User) -> Any:
    data = load(JointAwardSchema(), request.get_json(silent=True) or {})
    session = db.session()
    campaign = award.award_campaign(session, user, campaign_id, data["quote_id"],
                                    data["reason"])
    body = joint_purchase_json(session, campaign, user, detail=True)
    session.commit()
    return jsonify(body)


@api.get("/reports/joint-purchases")
@documented(query=JointReportQuerySchema, responses={200: JointReportSchema})
@api_guard(*READERS, kinds=PURCHASER + CENTER)
def joint_purchase_report(user: User) -> Any:
    """The center (admins, auditors) sees every campaign; a purchaser those it took part in."""
    args = load(JointReportQuerySchema(), request.args.to_dict())
    own = None if campaigns.is_center(user) else user.organization_id
    return jsonify(reports.joint_purchases(db.session(), args["year"] or utcnow().year,
                                           purchaser_organization_id=own))
