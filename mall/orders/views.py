"""Orders API: cart, requisitions, approvals, competitions, purchase orders, flags, reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, PURCHASER, SUPPLIER, api_guard
from mall.db import db, utcnow
from mall.errors import Forbidden
from mall.http import json_body, load, money, paginate
from mall.orders import competitions as comp
from mall.orders import reports
from mall.orders import services as svc
from mall.orders.models import (
    Cart,
    Competition,
    CompetitionInvitation,
    Flag,
    PurchaseOrder,
    Quote,
    Requisition,
)
from mall.orders.schemas import (
    CartLineSchema,
    CartQuantitySchema,
    QuoteSchema,
    ReasonSchema,
    RejectSchema,
    RequisitionSchema,
    SpendQuerySchema,
)

api = Blueprint("orders_api", __name__, url_prefix="/api/v1")

PURCHASING = (Role.buyer, Role.approver)
READERS = (Role.buyer, Role.approver, Role.auditor, Role.finance)


def order_settings() -> svc.Settings:
    """The deployment's jurisdiction and SME deduction, as the order services take them."""
    share = current_app.config.get("MALL_SME_DEDUCTION")
    return svc.Settings(jurisdiction=current_app.config["MALL"].jurisdiction,
                        sme_deduction=Decimal(str(share)) if share is not None else None)


def _language() -> str:
    return request.accept_languages.best_match(["en", "zh"], default="en") or "en"


# --- serializers --------------------------------------------------------------------------

def reason_json(rule: dict[str, Any], lang: str) -> dict[str, Any]:
    return {"rule": rule["rule"], "outcome": rule["outcome"],
            "message": rule["message_zh"] if lang == "zh" else rule["message_en"],
            "message_zh": rule["message_zh"], "message_en": rule["message_en"]}


def order_json(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "id": order.id, "requisition_id": order.requisition_id,
        "competition_id": order.competition_id,
        "purchaser_organization_id": order.purchaser_organization_id,
        "supplier_id": order.supplier_id, "status": order.status,
        "status_reason": order.status_reason, "total": money(order.total, order.currency),
        "lines": [{"id": li.id, "offer_id": li.offer_id, "title": li.title, "sku": li.sku,
                   "quantity": li.quantity, "unit_price": money(li.unit_price, li.currency),
                   "line_total": money(li.line_total, li.currency)} for li in order.lines],
        "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
    }


def requisition_json(requisition: Requisition, lang: str,
                     with_inputs: bool = False) -> dict[str, Any]:
    decision = svc.latest_decision(requisition)
    rules = decision.rules if decision else []
    body: dict[str, Any] = {
        "id": requisition.id, "status": requisition.status, "route": requisition.route,
        "reasons": [reason_json(r, lang) for r in rules],
        "total": money(requisition.total, requisition.currency),
        "lines": [{"id": li.id, "offer_id": li.offer_id, "sku": li.sku, "title": li.title,
                   "quantity": li.quantity, "unit_price": money(li.unit_price, li.currency),
                   "line_total": money(li.line_total, li.currency)}
                  for li in requisition.lines],
        "orders": [order_json(o) for o in requisition.orders],
        "competition_id": requisition.competition.id if requisition.competition else None,
        "required_approvals": requisition.required_approvals,
        "approvals": [{"approver_id": a.approver_id, "decision": a.decision,
                       "reason": a.reason, "decided_at": a.decided_at.isoformat()}
                      for a in requisition.approvals],
        "justification": requisition.justification,
        "jurisdiction": requisition.jurisdiction,
        "price_hold_until": requisition.price_hold_until.isoformat(),
        "created_at": requisition.created_at.isoformat(),
    }
    if with_inputs and decision is not None:
        body["decision"] = {"profile": decision.profile, "route": decision.route,
                            "evaluated_at": decision.evaluated_at.isoformat(),
                            "rules": decision.rules}
    return body


def cart_json(cart: Cart) -> dict[str, Any]:
    return {"id": cart.id, "lines": [{"offer_id": li.offer_id, "quantity": li.quantity}
                                     for li in cart.lines]}


def quote_json(quote: Quote) -> dict[str, Any]:
    return {"id": quote.id, "supplier_id": quote.supplier_id, "lines": quote.lines,
            "total": money(quote.total, quote.currency),
            "evaluated_total": money(quote.evaluated_total, quote.currency),
            "submitted_at": quote.submitted_at.isoformat()}


def competition_json(competition: Competition, quotes: list[Quote] | None) -> dict[str, Any]:
    requisition = competition.requisition
    return {
        "id": competition.id, "requisition_id": competition.requisition_id,
        "status": competition.status, "deadline": competition.deadline.isoformat(),
        "sme_deduction": str(competition.sme_deduction),
        "lines": [{"id": li.id, "sku": li.sku, "title": li.title, "quantity": li.quantity,
                   "category_id": li.category_id} for li in requisition.lines],
        "invited_supplier_ids": [i.supplier_id for i in competition.invitations],
        "awarded_quote_id": competition.awarded_quote_id,
        "quotes": None if quotes is None else [quote_json(q) for q in quotes],
    }


# --- cart ---------------------------------------------------------------------------------

def _saved_cart(cart: Cart, status: int = 200) -> Any:
    """Commit the cart change and answer with the whole cart."""
    db.session.commit()
    return jsonify(cart_json(cart)), status


@api.get("/cart")
@api_guard(*PURCHASING, kinds=PURCHASER)
def cart_show(user: User) -> Any:
    return _saved_cart(svc.get_cart(db.session(), user))


@api.post("/cart/lines")
@api_guard(*PURCHASING, kinds=PURCHASER)
def cart_add(user: User) -> Any:
    data = load(CartLineSchema(), json_body())
    return _saved_cart(svc.add_to_cart(db.session(), user, data["offer_id"], data["quantity"]),
                       201)


@api.patch("/cart/lines/<int:offer_id>")
@api_guard(*PURCHASING, kinds=PURCHASER)
def cart_update(offer_id: int, user: User) -> Any:
    data = load(CartQuantitySchema(), json_body())
    return _saved_cart(svc.set_cart_quantity(db.session(), user, offer_id, data["quantity"]))


@api.delete("/cart/lines/<int:offer_id>")
@api_guard(*PURCHASING, kinds=PURCHASER)
def cart_remove(offer_id: int, user: User) -> Any:
    return _saved_cart(svc.remove_from_cart(db.session(), user, offer_id))


@api.delete("/cart")
@api_guard(*PURCHASING, kinds=PURCHASER)
def cart_clear(user: User) -> Any:
    return _saved_cart(svc.clear_cart(db.session(), user))


# --- requisitions -------------------------------------------------------------------------

@api.post("/requisitions")
@api_guard(*PURCHASING, kinds=PURCHASER)
def requisition_create(user: User) -> Any:
    raw = json_body()
    data = load(RequisitionSchema(), raw)
    session = db.session()
    lang = _language()

    def create() -> tuple[int, dict[str, Any]]:
        if data.get("from_cart"):
            requisition = svc.requisition_from_cart(session, order_settings(), user,
                                                    data.get("justification"))
        else:
            lines = [(li["offer_id"], li["quantity"]) for li in data["lines"]]
            requisition = svc.create_requisition(session, order_settings(), user, lines,
                                                 data.get("justification"))
        return 201, requisition_json(requisition, lang)

    key = request.headers.get("Idempotency-Key")
    status, body = svc.idempotent(session, user, key, svc.request_hash(request.path, raw),
                                  create)
    session.commit()
    return jsonify(body), status


@api.get("/requisitions")
@api_guard(*READERS, kinds=PURCHASER)
def requisition_list(user: User) -> Any:
    # Everything requisition_json reads, loaded once per page rather than once per row.
    query = svc.requisitions_query(user).options(
        selectinload(Requisition.competition), selectinload(Requisition.decisions),
        selectinload(Requisition.approvals), selectinload(Requisition.orders))
    status = request.args.get("status")
    if status:
        query = query.where(Requisition.status == status)
    lang = _language()
    return jsonify(paginate(db.session(), query, lambda r: requisition_json(r, lang)))


@api.get("/requisitions/<int:requisition_id>")
@api_guard(*READERS, kinds=PURCHASER)
def requisition_show(requisition_id: int, user: User) -> Any:
    requisition = svc.requisition_for(db.session(), user, requisition_id)
    return jsonify(requisition_json(requisition, _language(), with_inputs=True))


@api.post("/requisitions/<int:requisition_id>/approve")
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_approve(requisition_id: int, user: User) -> Any:
    requisition = svc.approve(db.session(), user, requisition_id)
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


@api.post("/requisitions/<int:requisition_id>/reject")
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_reject(requisition_id: int, user: User) -> Any:
    data = load(RejectSchema(), json_body())
    requisition = svc.reject(db.session(), user, requisition_id, data["reason"])
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


@api.post("/requisitions/<int:requisition_id>/cancel")
@api_guard(*PURCHASING, kinds=PURCHASER)
def requisition_cancel(requisition_id: int, user: User) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    requisition = svc.cancel_requisition(db.session(), user, requisition_id,
                                         data.get("reason"))
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


# --- competitions -------------------------------------------------------------------------

@api.get("/competitions/<int:competition_id>")
@api_guard(Role.buyer, Role.approver, Role.auditor, Role.supplier_admin,
           kinds=PURCHASER + SUPPLIER)
def competition_show(competition_id: int, user: User) -> Any:
    session = db.session()
    if user.organization.kind == "supplier":
        competition = comp.competition_for_supplier(session, user, competition_id)
        quotes = [q for q in competition.quotes if q.supplier_id == user.organization_id]
    else:
        competition = comp.competition_for_purchaser(session, user, competition_id)
        # Sealed until the deadline: the purchaser sees no quote before then.
        quotes = comp.ranked_quotes(competition) \
            if comp.quotes_visible_to_purchaser(competition, utcnow()) else None
    return jsonify(competition_json(competition, quotes))


@api.get("/supplier/competitions")
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_competitions(user: User) -> Any:
    query = (select(Competition).join(CompetitionInvitation)
             .where(CompetitionInvitation.supplier_id == user.organization_id)
             .order_by(Competition.id.desc()))
    return jsonify(paginate(db.session(), query, lambda c: competition_json(
        c, [q for q in c.quotes if q.supplier_id == user.organization_id])))


@api.post("/competitions/<int:competition_id>/quotes")
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def competition_quote(competition_id: int, user: User) -> Any:
    data = load(QuoteSchema(), json_body())
    quote = comp.submit_quote(db.session(), user, competition_id, data["lines"])
    db.session.commit()
    return jsonify(quote_json(quote)), 201


@api.post("/competitions/<int:competition_id>/award")
@api_guard(*PURCHASING, kinds=PURCHASER)
def competition_award(competition_id: int, user: User) -> Any:
    competition = comp.award(db.session(), user, competition_id)
    db.session.commit()
    return jsonify(competition_json(competition, comp.ranked_quotes(competition)))


# --- purchase orders ----------------------------------------------------------------------

def _order_list(user: User, party: str) -> Any:
    query = svc.orders_query(user, party)
    if request.args.get("status"):
        query = query.where(PurchaseOrder.status == request.args["status"])
    return jsonify(paginate(db.session(), query, order_json))


def _order_action(user: User, order_id: int, action: str, party: str) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    order = svc.transition(db.session(), user, order_id, action, party, data.get("reason"))
    db.session.commit()
    return jsonify(order_json(order))


@api.get("/orders")
@api_guard(*READERS, kinds=PURCHASER)
def order_list(user: User) -> Any:
    return _order_list(user, "purchaser")


@api.get("/orders/<int:order_id>")
@api_guard(*READERS, kinds=PURCHASER)
def order_show(order_id: int, user: User) -> Any:
    return jsonify(order_json(svc.order_for(db.session(), user, order_id, "purchaser")))


@api.post("/orders/<int:order_id>/<any(accept, cancel):action>")
@api_guard(*PURCHASING, kinds=PURCHASER)
def order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, "purchaser")


@api.get("/supplier/orders")
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_list(user: User) -> Any:
    return _order_list(user, "supplier")


@api.get("/supplier/orders/<int:order_id>")
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_show(order_id: int, user: User) -> Any:
    return jsonify(order_json(svc.order_for(db.session(), user, order_id, "supplier")))


@api.post("/supplier/orders/<int:order_id>/<any(confirm, ship, deliver, reject):action>")
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, "supplier")


# --- center: flags and reports ------------------------------------------------------------

@api.get("/admin/flags")
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def flag_list(user: User) -> Any:
    query = select(Flag).order_by(Flag.id.desc())
    if request.args.get("kind"):
        query = query.where(Flag.kind == request.args["kind"])
    return jsonify(paginate(db.session(), query, lambda f: {
        "id": f.id, "kind": f.kind, "competition_id": f.competition_id,
        "supplier_ids": f.supplier_ids, "details": f.details,
        "created_at": f.created_at.isoformat()}))


@api.get("/reports/spend")
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER + PURCHASER)
def spend_report(user: User) -> Any:
    args = load(SpendQuerySchema(), request.args.to_dict())
    if user.organization.kind == "purchaser" and not user.has_role(Role.auditor):
        raise Forbidden("This needs the role auditor.", code="role_required")
    # An agency's auditor sees its own organization's spend; the center sees everyone's.
    own = user.organization_id if user.organization.kind == "purchaser" else None
    return jsonify(reports.spend(db.session(), args["group_by"], args["from_"], args["to"],
                                 purchaser_organization_id=own))
