"""Orders API, the purchaser's cart and requisitions (approve, reject, cancel)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from sqlalchemy.orm import selectinload

from mall import idempotency
from mall.accounts.models import Role, User
from mall.accounts.permissions import PURCHASER, PURCHASING_ROLES, READER_ROLES, api_guard
from mall.apidoc import documented, page_of
from mall.db import db
from mall.http import json_body, load, paginate
from mall.orders.models import Cart, Requisition
from mall.orders.schemas import (
    CartLineSchema,
    CartQuantitySchema,
    CartSchema,
    ReasonSchema,
    RejectSchema,
    RequisitionAnswerSchema,
    RequisitionListQuerySchema,
    RequisitionSchema,
)
from mall.orders.serializers import cart_json, requisition_json
from mall.orders.services import approvals, carts, requisitions, rotation
from mall.orders.services.facts import Settings
from mall.orders.views.blueprint import api, language


def _saved_cart(cart: Cart, status: int = 200) -> Any:
    """Commit the cart change and answer with the whole cart."""
    db.session.commit()
    return jsonify(cart_json(cart)), status


@api.get("/cart")
@documented(responses={200: CartSchema})
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_show(user: User) -> Any:
    return _saved_cart(carts.get_cart(db.session(), user))


@api.post("/cart/lines")
@documented(body=CartLineSchema, responses={200: CartSchema, 201: CartSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_add(user: User) -> Any:
    data = load(CartLineSchema(), json_body())
    return _saved_cart(carts.add_to_cart(db.session(), user, data["offer_id"], data["quantity"]),
                       201)


@api.patch("/cart/lines/<int:offer_id>")
@documented(body=CartQuantitySchema, responses={200: CartSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_update(offer_id: int, user: User) -> Any:
    data = load(CartQuantitySchema(), json_body())
    return _saved_cart(carts.set_cart_quantity(db.session(), user, offer_id, data["quantity"]))


@api.delete("/cart/lines/<int:offer_id>")
@documented(responses={200: CartSchema}, errors=[409])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_remove(offer_id: int, user: User) -> Any:
    return _saved_cart(carts.remove_from_cart(db.session(), user, offer_id))


@api.delete("/cart")
@documented(responses={200: CartSchema}, errors=[409])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def cart_clear(user: User) -> Any:
    return _saved_cart(carts.clear_cart(db.session(), user))


# --- requisitions -------------------------------------------------------------------------

@api.post("/requisitions")
@documented(body=RequisitionSchema, responses={201: RequisitionAnswerSchema}, idempotent=True,
            errors=[409, 422], examples={"request": {"lines": [{"offer_id": 1, "quantity": 2}],
                                                     "justification": "Replacement"}})
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def requisition_create(user: User) -> Any:
    raw = json_body()
    data = load(RequisitionSchema(), raw)
    session = db.session()
    lang = language()
    settings = Settings.from_app_config(current_app.config)
    # A requirement naming a brand or excluding suppliers is refused before anything is made.
    from mall.standards.services import refuse_blocked_requirement
    refuse_blocked_requirement(session, data.get("requirement_text"))

    def create() -> tuple[int, dict[str, Any]]:
        options = {"requirement_text": data.get("requirement_text"),
                   "sme_reserved": data["sme_reserved"],
                   "competition_deadline": data["competition_deadline"],
                   "evaluation": data["evaluation"],
                   "delivery_address_id": data["delivery_address_id"]}
        if data.get("from_cart"):
            requisition = carts.requisition_from_cart(session, settings, user,
                                                      data.get("justification"), **options)
        else:
            lines = [rotation.requested_line(li) for li in data["lines"]]
            requisition = requisitions.create_requisition(session, settings, user, lines,
                                                          data.get("justification"), **options)
        return 201, requisition_json(requisition, lang)

    key = request.headers.get("Idempotency-Key")
    status, body = idempotency.idempotent(
        session, user.id, key, idempotency.request_hash(request.path, raw), create)
    session.commit()
    return jsonify(body), status


@api.get("/requisitions")
@documented(query=RequisitionListQuerySchema, responses={200: page_of(RequisitionAnswerSchema)},
            paginated=True)
@api_guard(*READER_ROLES, kinds=PURCHASER)
def requisition_list(user: User) -> Any:
    # Everything requisition_json reads, loaded once per page rather than once per row.
    query = requisitions.requisitions_query(user).options(
        selectinload(Requisition.competition), selectinload(Requisition.decisions),
        selectinload(Requisition.approvals), selectinload(Requisition.orders))
    status = request.args.get("status")
    if status:
        query = query.where(Requisition.status == status)
    lang = language()
    return jsonify(paginate(db.session(), query, lambda r: requisition_json(r, lang)))


@api.get("/requisitions/<int:requisition_id>")
@documented(responses={200: RequisitionAnswerSchema})
@api_guard(*READER_ROLES, kinds=PURCHASER)
def requisition_show(requisition_id: int, user: User) -> Any:
    requisition = requisitions.requisition_for(db.session(), user, requisition_id)
    return jsonify(requisition_json(requisition, language(), with_inputs=True))


@api.post("/requisitions/<int:requisition_id>/approve")
@documented(responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_approve(requisition_id: int, user: User) -> Any:
    requisition = approvals.approve(db.session(), user, requisition_id)
    db.session.commit()
    return jsonify(requisition_json(requisition, language()))


@api.post("/requisitions/<int:requisition_id>/reject")
@documented(body=RejectSchema, responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_reject(requisition_id: int, user: User) -> Any:
    data = load(RejectSchema(), json_body())
    requisition = approvals.reject(db.session(), user, requisition_id, data["reason"])
    db.session.commit()
    return jsonify(requisition_json(requisition, language()))


@api.post("/requisitions/<int:requisition_id>/cancel")
@documented(body=ReasonSchema, responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def requisition_cancel(requisition_id: int, user: User) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    requisition = requisitions.cancel_requisition(db.session(), user, requisition_id,
                                         data.get("reason"))
    db.session.commit()
    return jsonify(requisition_json(requisition, language()))
