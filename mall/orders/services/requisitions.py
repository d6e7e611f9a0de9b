"""Requisitions: evaluated by the compliance engine under the (purchaser, category) locks.

A requisition is routed ``direct`` (orders placed at once), ``approval`` (see
``approvals``), ``competition`` (see ``competitions``) or ``blocked``; the decision is
stored with every rule's inputs and outcome.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from mall.accounts.addresses import chosen_address, default_address
from mall.accounts.models import DeliveryAddress, Organization, OrganizationKind, User
from mall.audit.services import record, record_many
from mall.catalog.models import Offer
from mall.catalog.visibility import is_visible
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.locks import for_update, lock_purchaser_categories
from mall.money import line_total, to_cents
from mall.orders.compliance.engine import decide, fall_back_to_approval, with_result
from mall.orders.compliance.outcomes import Route
from mall.orders.compliance.rules import (
    CategorySpend,
    Facts,
    competitors_rule,
    region_covers,
    sme_reservation_rule,
)
from mall.orders.models import (
    MAX_LINE_QUANTITY,
    ComplianceDecision,
    LineAssignment,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
)
from mall.orders.services import rotation
from mall.orders.services.competitions import (
    end_competition_of,
    open_competition,
    quoting_deadline,
    stored_plan,
)
from mall.orders.services.facts import (
    OfferEligibility,
    Settings,
    earlier_spend,
    eligible_competitors,
    line_facts,
    offers_category_code,
    offers_with_eligibility,
    profile_of,
)
from mall.orders.services.purchase_orders import place_orders

# Where a new requisition stands once routed (the others wait: pending).
INITIAL_STATUS = {Route.direct: RequisitionStatus.ordered, Route.blocked: RequisitionStatus.blocked}


def visible_to(offer: Offer, organization: Organization, today: date,
               award_active: bool | None = None) -> bool:
    """Whether the organization may see, and so buy, the offer.

    The catalog's visibility (offer, supplier, agreement and award active and in date) and,
    for a purchaser, delivery to its region or its country, as its searches are limited
    (``mall.accounts.permissions.purchaser_regions``). ``award_active`` as for ``is_visible``.
    """
    if not is_visible(offer, today, award_active):
        return False
    return (organization.kind != OrganizationKind.purchaser
            or region_covers(tuple(offer.regions or ()), organization.region))


def purchasable_offers(session: Session, organization: Organization,
                       offer_ids: Iterable[int], today: date
                       ) -> dict[int, tuple[Offer, OfferEligibility]]:
    """The offers among ``offer_ids`` the organization may see, by id, with the eligibility
    facts read with them (one statement)."""
    return {oid: (offer, known)
            for oid, (offer, known) in offers_with_eligibility(session, offer_ids).items()
            if visible_to(offer, organization, today, known.award_active)}


def visible_offers(session: Session, organization: Organization, offer_ids: Iterable[int],
                   today: date) -> dict[int, Offer]:
    """The offers among ``offer_ids`` the organization may see, by id."""
    return {oid: offer for oid, (offer, _) in
            purchasable_offers(session, organization, offer_ids, today).items()}


def offers_not_found(offer_ids: list[int]) -> NotFound:
    """The one answer for an offer that does not exist and one the buyer may not see."""
    return NotFound(f"No such offer: {', '.join(str(i) for i in offer_ids)}.",
                    code="offer_not_found", details={"offer_ids": offer_ids})


def merge_lines(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    quantities: dict[int, int] = defaultdict(int)
    for offer_id, quantity in lines:
        quantities[offer_id] += quantity
    return list(quantities.items())


def create_requisition(
    session: Session, settings: Settings, user: User,
    lines: Sequence[rotation.RequestedLine], justification: str | None = None,
    now: datetime | None = None, *,
    requirement_text: str | None = None, sme_reserved: bool = False,
    competition_deadline: datetime | None = None, evaluation: dict[str, Any] | None = None,
    delivery_address_id: int | None = None,
) -> Requisition:
    """Evaluate the rules under the (organization, category) locks and store the outcome.

    ``lines``: (offer_id, quantity) pairs the purchaser chose, or ``rotation.ProductLine``
    for a product whose supplier the rotation assigns.
    ``competition_deadline`` applies if the purchase goes to competition (else it is not
    used), as does ``evaluation`` (a best-value plan, ``EvaluationPlanSchema``);
    ``sme_reserved`` restricts that competition to SME suppliers, and a direct or approved
    purchase so reserved may not go to a large supplier.
    ``delivery_address_id``: one of the organization's live delivery addresses (else its
    default one, if it keeps any); the requisition and its orders keep a copy, and its
    region is where the offers must deliver.
    """
    org = user.organization
    address = delivery_address_for(session, user, delivery_address_id)
    region = address.region if address is not None else org.region
    # rotation (顺序轮候): product lines are resolved, locked and assigned by services.rotation.
    offer_lines, product_lines = rotation.split_lines(lines)
    merged = merge_lines(offer_lines)
    too_many = [{"offer_id": oid, "quantity": qty, "max_quantity": MAX_LINE_QUANTITY}
                for oid, qty in merged if qty > MAX_LINE_QUANTITY]
    if too_many:
        raise RuleViolation(f"At most {MAX_LINE_QUANTITY:,} of one offer per requisition.",
                            code="quantity_above_limit", details={"lines": too_many})
    # Only what this purchaser may see can be requested; anything else is "not found".
    today = (now or utcnow()).date()
    found = purchasable_offers(session, org, (oid for oid, _ in merged), today)
    offers = {oid: offer for oid, (offer, _) in found.items()}
    missing = [oid for oid, _ in merged if oid not in offers]
    if missing:
        raise offers_not_found(missing)
    wanted = rotation.resolve_product_lines(session, org, product_lines, today, visible_to)
    profile = profile_of(org, settings.jurisdiction, settings.sme_deduction,
                         settings.sme_reservation_fallback)
    category_ids = sorted({offers[oid].category_id for oid, _ in merged}
                          | rotation.category_ids(wanted))
    lock_purchaser_categories(session, org.id, category_ids)
    # The clock is read after the lock, so lines are stamped in lock order.
    now = now or utcnow()
    # rotation: the turns are locked next (mall.locks level 2) and held until commit.
    picks = rotation.take_turns(session, org, profile, wanted, now.date(),
                                sme_only=sme_reserved, region=region)
    offers.update({p.offer.id: p.offer for p in picks})
    planned = [(oid, qty, LineAssignment.chosen) for oid, qty in merged] \
        + rotation.planned_lines(picks)

    facts_lines = tuple(line_facts(session, offers[oid], qty, eligibility=found[oid][1])
                        for oid, qty in merged) \
        + tuple(p.facts for p in picks)
    own_by_category: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for line in facts_lines:
        own_by_category[line.category_id] += line.line_total
    since = profile.window_start(now)
    spends = tuple(
        CategorySpend(cid, offers_category_code(offers, cid), own_by_category[cid],
                      tuple(earlier_spend(session, org.id, cid, since)))
        for cid in category_ids)
    own_total = sum((li.line_total for li in facts_lines), Decimal("0"))
    facts = Facts(
        profile=profile, on=now.date(), currency=profile.currency,
        purchaser_region=region, own_total=own_total, lines=facts_lines,
        categories=spends, one_approver_above=org.approval_one_approver_above,
        collective_above=org.approval_collective_above,
        collective_approvers=org.approval_collective_approvers,
    )
    decision = rotation.as_second_stage(decide(facts), facts, picks)
    invitees: list[int] = []
    sme_only = False
    second_stage = decision.route == Route.competition
    if second_stage:
        invitees = eligible_competitors(session, [offers[oid] for oid, _, _ in planned])
        if sme_reserved:
            reservation = sme_reservation_rule(profile, supplier_sizes(session, invitees))
            decision = (fall_back_to_approval(decision, reservation)
                        if reservation.outcome == Route.approval
                        else with_result(decision, reservation))
            invitees = reservation.inputs["invited"]
            sme_only = bool(invitees) and invitees == reservation.inputs["sme_suppliers"]
    if decision.route == Route.competition:
        rule = competitors_rule(profile, invitees)
        if rule.outcome == Route.approval:
            decision = fall_back_to_approval(decision, rule)
        else:
            decision = with_result(decision, rule)
    deadline = None
    if decision.route == Route.competition:
        deadline = quoting_deadline(competition_deadline, profile, org, now)
    elif sme_reserved and not second_stage and decision.route != Route.blocked:
        # Bought without competition, the reservation holds only if the offers are SMEs'.
        # (A reserved competition that fell back to approval has said why in its rule.)
        refuse_large_suppliers([offers[oid] for oid, _, _ in planned])
    decision = rotation.with_rotation_reasons(decision, picks)

    requisition = Requisition(
        purchaser_organization_id=org.id, requester_id=user.id, route=decision.route,
        status=INITIAL_STATUS.get(decision.route, RequisitionStatus.pending),
        jurisdiction=profile.name, total=to_cents(own_total),
        currency=facts_lines[0].currency, justification=justification,
        requirement_text=requirement_text, sme_reserved=sme_reserved,
        delivery_region=address.region if address is not None else None,
        delivery_address=address.snapshot() if address is not None else None,
        required_approvals=decision.required_approvals if decision.route == Route.approval else 0,
        price_hold_until=now + timedelta(days=profile.price_hold_days), created_at=now,
        decided_at=now if decision.route in (Route.direct, Route.blocked) else None,
        lines=[RequisitionLine(
            purchaser_organization_id=org.id, category_id=offers[oid].category_id,
            offer_id=oid, supplier_id=offers[oid].supplier_id,
            agreement_id=offers[oid].agreement_id, lot_id=offers[oid].lot_id,
            title=offers[oid].title, sku=offers[oid].sku, quantity=qty,
            unit_price=offers[oid].price, currency=offers[oid].currency,
            line_total=line_total(offers[oid].price, qty), created_at=now,
            assignment=assignment)
            for oid, qty, assignment in planned],
        decisions=[ComplianceDecision(profile=profile.name, route=decision.route,
                                      rules=decision.rules_json(), evaluated_at=now)],
    )
    session.add(requisition)
    session.flush()  # the requisition, its lines and its decision
    rotation.advance_turns(session, picks, requisition, now)
    competition_id = None
    # The order, requisition and rotation events go into the chain in one statement.
    audit_entries: list[dict[str, Any]] = []
    if deadline is not None:
        competition_id = open_competition(session, requisition, profile, invitees, now,
                                          deadline, sme_only=sme_only,
                                          plan=stored_plan(evaluation)).id
    elif decision.route == Route.direct:
        orders = place_orders(session, requisition, user, now, facts_lines,
                              audit_entries=audit_entries)
        # A new requisition's orders are these: the requisition holds them, loaded, so the
        # audit listeners (the inbox's "order placed") find them in the session instead of
        # reading them back (the identity map keeps no object alive on its own), and so does
        # the caller.
        set_committed_value(requisition, "orders", orders)
    audit_entries.append(dict(
        action="requisition.create", target_type="requisition", target_id=requisition.id,
        actor=user,
        after={"route": decision.route, "status": requisition.status,
               "total": str(requisition.total), "currency": requisition.currency,
               "competition_id": competition_id, "sme_reserved": sme_reserved,
               "rules": [{"rule": r.rule, "outcome": r.outcome, "inputs": r.inputs}
                         for r in decision.results]}))
    audit_entries.extend(rotation.assignment_events(picks, requisition, user))
    record_many(session, audit_entries)
    if decision.route == Route.direct:
        # Bought directly: nothing asked for approval or opened a competition, so the answer
        # reads neither back (two statements per purchase).
        set_committed_value(requisition, "approvals", [])
        set_committed_value(requisition, "competition", None)
    else:
        # What was written around the requisition loads when first read.
        session.expire(requisition, ["approvals", "competition", "orders"])
    return requisition


def delivery_address_for(session: Session, user: User,
                         address_id: int | None) -> DeliveryAddress | None:
    """The address named (a live one of the user's organization), else the default one."""
    if address_id is not None:
        return chosen_address(session, user, address_id)
    return default_address(session, user.organization_id)


def supplier_sizes(session: Session, supplier_ids: list[int]) -> list[tuple[int, str | None]]:
    """(id, size class) of each supplier, in id order."""
    if not supplier_ids:
        return []
    return [(oid, size) for oid, size in session.execute(
        select(Organization.id, Organization.size)
        .where(Organization.id.in_(supplier_ids)).order_by(Organization.id))]


def refuse_large_suppliers(offers: list[Offer]) -> None:
    """An SME-reserved purchase placed without competition may not go to a large supplier."""
    large = sorted({(o.id, o.sku) for o in offers if o.supplier.size == "large"})
    if large:
        raise RuleViolation(
            "This purchase is reserved for SMEs, but these offers come from a large "
            "supplier: " + ", ".join(sku for _, sku in large) + ". Choose an SME's offer or "
            "do not reserve the purchase.", code="sme_reserved_large_supplier",
            details={"offers": [{"offer_id": oid, "sku": sku} for oid, sku in large]})


def requisitions_query(user: User) -> Select[Any]:
    """The user's organization's requisitions, newest first."""
    return (select(Requisition)
            .where(Requisition.purchaser_organization_id == user.organization_id)
            .order_by(Requisition.id.desc()))


def requisition_for(session: Session, user: User, requisition_id: int,
                    lock: bool = False) -> Requisition:
    query = select(Requisition).where(Requisition.id == requisition_id)
    if lock:
        query = for_update(query)
    requisition = session.scalar(query)
    if requisition is None or requisition.purchaser_organization_id != user.organization_id:
        raise NotFound(f"Requisition {requisition_id} does not exist.",
                       code="requisition_not_found")
    return requisition


def cancel_requisition(session: Session, user: User, requisition_id: int,
                       reason: str | None = None) -> Requisition:
    """A pending requisition can be withdrawn; it then stops counting towards thresholds."""
    requisition = requisition_for(session, user, requisition_id, lock=True)
    if requisition.status != RequisitionStatus.pending:
        raise Conflict(f"Only pending requisitions can be cancelled (status "
                       f"{requisition.status}).", code="illegal_transition")
    requisition.status = RequisitionStatus.cancelled
    end_competition_of(session, requisition, user, reason, utcnow())
    record(session, action="requisition.cancel", target_type="requisition",
           target_id=requisition.id, actor=user, before={"status": "pending"},
           after={"status": "cancelled"}, reason=reason)
    session.flush()
    return requisition
