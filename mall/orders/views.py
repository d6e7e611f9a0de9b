"""Orders API: cart, requisitions, approvals, competitions, purchase orders, flags, reports.

Past 400 lines: 27 thin handlers, each a guard, ``@documented``, a load and one service call.
They share one blueprint; the reports and flag handlers are the ones to move to their own
module when the next endpoint comes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mall import idempotency
from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.permissions import (
    CENTER,
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    SUPPLIER,
    api_guard,
)
from mall.apidoc import documented, page_of
from mall.db import db, utcnow
from mall.errors import Forbidden
from mall.http import json_body, load, paginate
from mall.orders.models import (
    Cart,
    Competition,
    Flag,
    OrderParty,
    PurchaseOrder,
    Requisition,
)
from mall.orders.schemas import (
    AccountabilityQuerySchema,
    AccountabilityReportSchema,
    AwardSchema,
    CancelSchema,
    CartLineSchema,
    CartQuantitySchema,
    CartSchema,
    CompetitionSchema,
    FlagListQuerySchema,
    FlagResolveSchema,
    FlagSchema,
    OrderListQuerySchema,
    OrderSchema,
    QuoteAnswerSchema,
    QuoteSchema,
    ReasonSchema,
    RejectSchema,
    RequisitionAnswerSchema,
    RequisitionListQuerySchema,
    RequisitionSchema,
    ShipSchema,
    SmeReservationQuerySchema,
    SmeReservationReportSchema,
    SpendQuerySchema,
    SpendReportSchema,
    SupplierCompetitionQuerySchema,
)
from mall.orders.serializers import (
    cart_json,
    competition_json,
    flag_json,
    order_json,
    quote_json,
    requisition_json,
)
from mall.orders.services import (
    accountability,
    approvals,
    awards,
    carts,
    competition_subjects,
    competitions,
    flags,
    purchase_orders,
    reports,
    requisitions,
    rotation,
)
from mall.orders.services.facts import Settings

api = Blueprint("orders_api", __name__, url_prefix="/api/v1")


def _language() -> str:
    return request.accept_languages.best_match(["en", "zh"], default="en") or "en"


# --- cart ---------------------------------------------------------------------------------

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
    lang = _language()
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
    lang = _language()
    return jsonify(paginate(db.session(), query, lambda r: requisition_json(r, lang)))


@api.get("/requisitions/<int:requisition_id>")
@documented(responses={200: RequisitionAnswerSchema})
@api_guard(*READER_ROLES, kinds=PURCHASER)
def requisition_show(requisition_id: int, user: User) -> Any:
    requisition = requisitions.requisition_for(db.session(), user, requisition_id)
    return jsonify(requisition_json(requisition, _language(), with_inputs=True))


@api.post("/requisitions/<int:requisition_id>/approve")
@documented(responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_approve(requisition_id: int, user: User) -> Any:
    requisition = approvals.approve(db.session(), user, requisition_id)
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


@api.post("/requisitions/<int:requisition_id>/reject")
@documented(body=RejectSchema, responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(Role.approver, kinds=PURCHASER)
def requisition_reject(requisition_id: int, user: User) -> Any:
    data = load(RejectSchema(), json_body())
    requisition = approvals.reject(db.session(), user, requisition_id, data["reason"])
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


@api.post("/requisitions/<int:requisition_id>/cancel")
@documented(body=ReasonSchema, responses={200: RequisitionAnswerSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def requisition_cancel(requisition_id: int, user: User) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    requisition = requisitions.cancel_requisition(db.session(), user, requisition_id,
                                         data.get("reason"))
    db.session.commit()
    return jsonify(requisition_json(requisition, _language()))


# --- competitions -------------------------------------------------------------------------

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


# --- purchase orders ----------------------------------------------------------------------

def _order_list(user: User, party: str) -> Any:
    query = purchase_orders.orders_query(user, party)
    if request.args.get("status"):
        query = query.where(PurchaseOrder.status == request.args["status"])
    return jsonify(paginate(db.session(), query, order_json))


def _order_action(user: User, order_id: int, action: str, party: str) -> Any:
    data = load(ReasonSchema(), request.get_json(silent=True) or {})
    order = purchase_orders.transition(db.session(), user, order_id, action, party,
                                       data.get("reason"))
    db.session.commit()
    return jsonify(order_json(order))


@api.get("/orders")
@documented(query=OrderListQuerySchema, responses={200: page_of(OrderSchema)},
            paginated=True)
@api_guard(*READER_ROLES, kinds=PURCHASER)
def order_list(user: User) -> Any:
    return _order_list(user, OrderParty.purchaser)


@api.get("/orders/<int:order_id>")
@documented(responses={200: OrderSchema})
@api_guard(*READER_ROLES, kinds=PURCHASER)
def order_show(order_id: int, user: User) -> Any:
    order = purchase_orders.order_for(db.session(), user, order_id, OrderParty.purchaser)
    return jsonify(order_json(order))


@api.post("/orders/<int:order_id>/<any(accept, cancel):action>")
@documented(body=ReasonSchema, responses={200: OrderSchema}, errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, OrderParty.purchaser)


@api.get("/supplier/orders")
@documented(query=OrderListQuerySchema, responses={200: page_of(OrderSchema)},
            paginated=True)
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_list(user: User) -> Any:
    return _order_list(user, OrderParty.supplier)


@api.get("/supplier/orders/<int:order_id>")
@documented(responses={200: OrderSchema})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_show(order_id: int, user: User) -> Any:
    order = purchase_orders.order_for(db.session(), user, order_id, OrderParty.supplier)
    return jsonify(order_json(order))


@api.post("/supplier/orders/<int:order_id>/<any(confirm, deliver, reject):action>")
@documented(body=ReasonSchema, responses={200: OrderSchema}, errors=[409, 422])
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_action(order_id: int, action: str, user: User) -> Any:
    return _order_action(user, order_id, action, OrderParty.supplier)


@api.post("/supplier/orders/<int:order_id>/ship")
@documented(body=ShipSchema, responses={200: OrderSchema}, errors=[409, 422],
            examples={"request": {"tracking_number": "SF1234567890"}})
@api_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_order_ship(order_id: int, user: User) -> Any:
    """Ship a confirmed order, optionally with the carrier's tracking number (kept on the
    order and in its timeline). The body may be empty; a body that is sent must be valid."""
    data = load(ShipSchema(), json_body() if request.get_data() else {})
    order = purchase_orders.transition(db.session(), user, order_id, "ship",
                                       OrderParty.supplier, data.get("reason"),
                                       data.get("tracking_number") or None)
    db.session.commit()
    return jsonify(order_json(order))


# --- center: flags and reports ------------------------------------------------------------

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

