"""A joint purchase as a competition subject, and its award: one requisition and order per
participant at the awarded unit price, each through that purchaser's own rules.

Registered with ``mall.orders.services.competition_subjects`` (``register``), so the usual
``POST /api/v1/competitions/{id}/award`` by the lead's buyer lands here too. Locks: the joint
purchase's row, then every participant's (purchaser, category) lock in key order, then the
competition's row (taken by ``awards.award``), then offers for stock: ``mall.locks``' order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.audit.services import record
from mall.catalog.models import Offer
from mall.catalog.services.prices import offer_ceiling
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.joint.models import JointCommitment, JointPurchase, JointStatus
from mall.joint.services.campaigns import campaign_for, lowest_listed, may_manage
from mall.joint.services.closing import SUBJECT, notify
from mall.joint.services.own_rules import decide_share, share_facts
from mall.locks import for_update, is_postgres, purchaser_category_key
from mall.money import line_total, to_cents
from mall.orders.compliance.outcomes import Route
from mall.orders.models import (
    Competition,
    ComplianceDecision,
    Quote,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
)
from mall.orders.services import awards
from mall.orders.services.competition_subjects import SubjectLine, register_subject
from mall.orders.services.facts import Settings
from mall.orders.services.purchase_orders import PlannedLine, create_orders

PRICE_HOLD = timedelta(days=7)
STATUS = {Route.direct: RequisitionStatus.ordered, Route.approval: RequisitionStatus.pending,
          Route.blocked: RequisitionStatus.blocked}


def _campaign_of(session: Session, competition: Competition) -> JointPurchase:
    return session.scalars(select(JointPurchase).where(
        JointPurchase.competition_id == competition.id)).one()


class JointSubject:
    """The competition side of a joint purchase (see ``competition_subjects.Subject``)."""

    def lock(self, session: Session, competition_id: int) -> None:
        campaign = session.scalar(for_update(select(JointPurchase).where(
            JointPurchase.competition_id == competition_id)))
        if campaign is None or not is_postgres(session):
            return
        keys = sorted({purchaser_category_key(c.purchaser_organization_id, campaign.category_id)
                       for c in campaign.commitments})
        for key in keys:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def lines(self, session: Session, competition: Competition) -> list[SubjectLine]:
        campaign = _campaign_of(session, competition)
        return [SubjectLine(id=campaign.id, sku=f"JP-{campaign.id}", title=campaign.title,
                            quantity=campaign.total_quantity or 0,
                            category_id=campaign.category_id)]

    def requirement_text(self, session: Session, competition: Competition) -> str | None:
        campaign = _campaign_of(session, competition)
        regions = sorted({c.delivery_region for c in campaign.commitments})
        parts = [campaign.requirement_text or "",
                 f"Joint purchase #{campaign.id}: {campaign.total_quantity} in total, "
                 f"delivered to {', '.join(regions)} by {campaign.deliver_by.isoformat()}."]
        return "\n\n".join(p for p in parts if p)

    def purchaser_may_follow(self, session: Session, user: User,
                             competition: Competition) -> bool:
        return may_manage(_campaign_of(session, competition), user)

    def _listed(self, session: Session, competition: Competition,
                supplier_id: int) -> tuple[Decimal | None, Offer | None]:
        listed = (_campaign_of(session, competition).listed_prices or {}).get(str(supplier_id))
        if not listed:
            return None, None
        return Decimal(listed["price"]), session.get(Offer, listed["offer_id"])

    def ceiling(self, session: Session, competition: Competition, line: SubjectLine,
                supplier_id: int) -> Decimal | None:
        _, offer = self._listed(session, competition, supplier_id)
        return offer_ceiling(session, offer) if offer is not None else None

    def price_problems(self, session: Session, competition: Competition, line: SubjectLine,
                       supplier_id: int, price: Decimal) -> list[dict[str, str]]:
        listed, _ = self._listed(session, competition, supplier_id)
        if listed is None:
            return [{"field": f"lines.{line.id}.unit_price", "code": "not_listed",
                     "message": "You listed no offer for this item at the close."}]
        if price > listed:
            return [{"field": f"lines.{line.id}.unit_price", "code": "above_listed_price",
                     "message": f"{price} is above your lowest listed price {listed} for "
                                "this item at the close."}]
        return []

    def award(self, session: Session, competition: Competition, winner: Quote,
              actor: User, now: datetime) -> None:
        place_participant_orders(session, _campaign_of(session, competition), competition,
                                 winner, actor, now)

    def cancel(self, session: Session, competition: Competition, actor: User | None,
               reason: str, now: datetime) -> None:
        campaign = _campaign_of(session, competition)
        campaign.status = JointStatus.cancelled
        campaign.outcome_reason = reason
        record(session, action="joint_purchase.cancel", target_type="joint_purchase",
               target_id=campaign.id, actor=actor, before={"status": "competing"},
               after={"status": "cancelled", "competition_id": competition.id},
               reason=reason)
        notify(session, campaign, f"The competition was cancelled: {reason}")


def register() -> None:
    register_subject(SUBJECT, JointSubject())


def place_participant_orders(session: Session, campaign: JointPurchase,
                             competition: Competition, winner: Quote, actor: User,
                             now: datetime) -> None:
    """One requisition per participant at the awarded price, decided by its own rules."""
    settings = Settings.from_app_config(current_app.config)
    price = Decimal(winner.lines[0]["unit_price"])
    reference = campaign.reference_price
    outcomes = []
    for commitment in sorted(campaign.commitments, key=lambda c: c.id):
        requisition = _participant_requisition(session, settings, campaign, competition,
                                               commitment, winner.supplier_id, price, actor,
                                               now)
        commitment.requisition_id = requisition.id
        commitment.savings = (to_cents((reference - price) * commitment.quantity)
                              if reference is not None else None)
        outcomes.append({"organization_id": commitment.purchaser_organization_id,
                         "requisition_id": requisition.id, "route": requisition.route,
                         "status": requisition.status, "quantity": commitment.quantity,
                         "savings": str(commitment.savings)})
    campaign.status = JointStatus.awarded
    campaign.awarded_unit_price = price
    session.flush()
    total = sum((c.savings for c in campaign.commitments if c.savings is not None),
                Decimal("0"))
    record(session, action="joint_purchase.award", target_type="joint_purchase",
           target_id=campaign.id, actor=actor, before={"status": "competing"},
           after={"status": "awarded", "unit_price": str(price),
                  "supplier_id": winner.supplier_id, "reference_price": str(reference),
                  "savings": str(total), "participants": outcomes})
    notify(session, campaign, f"Awarded at {price} {campaign.currency} a unit.",
           {"competition_id": competition.id})


def _participant_requisition(session: Session, settings: Settings, campaign: JointPurchase,
                             competition: Competition, commitment: JointCommitment,
                             supplier_id: int, price: Decimal, actor: User,
                             now: datetime) -> Requisition:
    org = session.get_one(Organization, commitment.purchaser_organization_id)
    offer = (lowest_listed(session, campaign, now.date(), commitment.delivery_region,
                           supplier_id)
             or lowest_listed(session, campaign, now.date(), supplier_id=supplier_id))
    if offer is None:
        raise RuleViolation("The winner no longer lists the item; nothing was ordered.",
                            code="no_longer_eligible",
                            details={"supplier_id": supplier_id})
    facts = share_facts(session, settings, org, offer, commitment.quantity, price,
                        commitment.delivery_region, now, check_stock=True)
    decision = decide_share(facts)
    requisition = Requisition(
        purchaser_organization_id=org.id, requester_id=commitment.committed_by_id,
        route=decision.route, status=STATUS[decision.route], jurisdiction=facts.profile.name,
        total=to_cents(facts.own_total), currency=offer.currency,
        justification=f"Joint purchase #{campaign.id}: {campaign.title}",
        requirement_text=campaign.requirement_text, joint_purchase_id=campaign.id,
        delivery_region=commitment.delivery_region,
        required_approvals=decision.required_approvals
        if decision.route == Route.approval else 0,
        price_hold_until=now + PRICE_HOLD, created_at=now,
        decided_at=now if decision.route != Route.approval else None,
        lines=[RequisitionLine(
            purchaser_organization_id=org.id, category_id=offer.category_id,
            offer_id=offer.id, supplier_id=supplier_id, agreement_id=offer.agreement_id,
            lot_id=offer.lot_id, title=offer.title, sku=offer.sku,
            quantity=commitment.quantity, unit_price=price, currency=offer.currency,
            line_total=line_total(price, commitment.quantity), created_at=now)])
    session.add(requisition)
    session.flush()
    session.add(ComplianceDecision(requisition_id=requisition.id, profile=facts.profile.name,
                                   route=decision.route, rules=decision.rules_json(),
                                   evaluated_at=now))
    session.flush()
    if decision.route == Route.direct:
        line = requisition.lines[0]
        create_orders(session, requisition, {supplier_id: [PlannedLine(
            line.id, offer.id, offer.category_id, offer.title, offer.sku, line.quantity,
            price, offer.currency)]}, actor, facts.lines, now, competition_id=competition.id)
    record(session, action="requisition.create", target_type="requisition",
           target_id=requisition.id, actor=actor,
           after={"route": decision.route, "status": requisition.status,
                  "total": str(requisition.total), "currency": requisition.currency,
                  "joint_purchase_id": campaign.id, "competition_id": competition.id,
                  "rules": [{"rule": r.rule, "outcome": r.outcome, "inputs": r.inputs}
                            for r in decision.results]})
    return requisition


def award_campaign(session: Session, user: User, campaign_id: int,
                   quote_id: int | None = None, reason: str | None = None,
                   now: datetime | None = None) -> JointPurchase:
    """The lead awards its campaign's competition (the same path as the competition's)."""
    campaign = campaign_for(session, user, campaign_id)
    if campaign.competition_id is None:
        if campaign.status == JointStatus.open:
            raise Conflict("Close the joint purchase first.", code="joint_purchase_open")
        raise NotFound("This joint purchase has no competition.",
                       code="competition_not_found")
    awards.award(session, user, campaign.competition_id, quote_id, reason, now or utcnow())
    session.refresh(campaign)
    return campaign
