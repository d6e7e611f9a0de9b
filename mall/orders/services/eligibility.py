"""Eligibility checked again whenever orders are about to be placed.

A requisition is routed once, but its orders may be placed days later: at the last approval
or at a competition's award. The 7-day price hold keeps the price, never the eligibility:
every approval, every order placement and every award checks each line again against the
catalog as it is now (offer, supplier, award, agreement and its dates, ceiling, region,
stock) with the same pure ``eligibility_rule`` the routing used. A refusal is 422
``no_longer_eligible`` naming every failing rule, raised before anything is changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.catalog.models import Offer
from mall.errors import RuleViolation
from mall.orders.compliance.outcomes import Route
from mall.orders.compliance.profiles import profile_for
from mall.orders.compliance.rules import Facts, LineFacts, RuleResult, eligibility_rule
from mall.orders.models import Requisition
from mall.orders.services.facts import line_facts


def held_line_facts(session: Session, requisition: Requisition) -> list[LineFacts]:
    """The requisition's lines as the catalog has them now, at their held prices."""
    offers = {o.id: o for o in session.scalars(
        select(Offer).where(Offer.id.in_([li.offer_id for li in requisition.lines])))}
    return [line_facts(session, offers[li.offer_id], li.quantity, li.unit_price)
            for li in requisition.lines]


def ineligible(session: Session, requisition: Requisition, lines: Sequence[LineFacts],
               now: datetime) -> list[RuleResult]:
    """The eligibility results that block, one per failing line (empty: all eligible)."""
    org = session.get_one(Organization, requisition.purchaser_organization_id)
    facts = Facts(profile=profile_for(requisition.jurisdiction, requisition.jurisdiction),
                  on=now.date(), currency=requisition.currency,
                  purchaser_region=requisition.delivery_region or org.region,
                  own_total=requisition.total, lines=tuple(lines), categories=())
    return [r for r in eligibility_rule(facts) if r.outcome == Route.blocked]


def ensure_eligible(session: Session, requisition: Requisition, lines: Sequence[LineFacts],
                    now: datetime) -> None:
    """Refuse (422 ``no_longer_eligible``) unless every line may still be bought now."""
    failing = ineligible(session, requisition, lines, now)
    if failing:
        raise RuleViolation(
            "The purchase is no longer eligible, whatever the price hold says: "
            + " ".join(r.message_en for r in failing)
            + " Nothing was ordered; submit a new requisition.",
            code="no_longer_eligible",
            details={"requisition_id": requisition.id,
                     "ineligible": [r.as_dict() for r in failing]})
