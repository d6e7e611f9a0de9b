"""A participant's own compliance rules over its share of a joint purchase.

The same engine as a requisition (``mall.orders.compliance``): the share at a unit price
counts toward the purchaser's cumulative total in the category and its approval limits
apply. The joint competition is the second stage, so a share whose tier asks for one goes
to the purchaser's approvers instead when its limits say so, else it is direct.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.catalog.models import Offer
from mall.orders.compliance.engine import Decision, decide
from mall.orders.compliance.outcomes import Route
from mall.orders.compliance.rules import (
    CategorySpend,
    Facts,
    LineFacts,
    approval_limits_rule,
)
from mall.orders.services.facts import Settings, earlier_spend, line_facts, profile_of


def share_facts(session: Session, settings: Settings, org: Organization, offer: Offer,
                quantity: int, unit_price: Decimal, delivery_region: str, now: datetime,
                check_stock: bool) -> Facts:
    """The facts the engine decides the share on (the caller holds the category lock)."""
    profile = profile_of(org, settings.jurisdiction, settings.sme_deduction,
                         settings.sme_reservation_fallback)
    line: LineFacts = line_facts(session, offer, quantity, unit_price)
    if not check_stock:  # a preview: stock is reserved at the award, by the winner
        line = dataclasses.replace(line, stock=max(line.stock, quantity))
    since = profile.window_start(now)
    spend = CategorySpend(offer.category_id, offer.category.code, line.line_total,
                          tuple(earlier_spend(session, org.id, offer.category_id, since)))
    return Facts(
        profile=profile, on=now.date(), currency=profile.currency,
        purchaser_region=delivery_region, own_total=line.line_total, lines=(line,),
        categories=(spend,), one_approver_above=org.approval_one_approver_above,
        collective_above=org.approval_collective_above,
        collective_approvers=org.approval_collective_approvers)


def decide_share(facts: Facts) -> Decision:
    """The engine's decision, with the joint competition standing in for a second stage."""
    decision = decide(facts)
    if decision.route != Route.competition:
        return decision
    limits = approval_limits_rule(facts)
    required = int(limits.inputs.get("required_approvals") or 0)
    if limits.outcome == Route.approval:
        return Decision(Route.approval, max(1, required), (*decision.results, limits))
    return Decision(Route.direct, 0, (*decision.results, limits))


def reasons(decision: Decision, lang: str = "en") -> list[dict[str, Any]]:
    return [{"rule": r.rule, "outcome": r.outcome,
             "message": r.message_en if lang == "en" else r.message_zh,
             "inputs": r.inputs} for r in decision.results]


def summary(decision: Decision, unit_price: Decimal) -> dict[str, Any]:
    """What will happen at award, in words and as data (stored with the commitment)."""
    if decision.route == Route.approval:
        n = decision.required_approvals
        text = f"approval by {n} approver" + ("s" if n != 1 else "")
    else:
        text = str(decision.route)
    return {"route": str(decision.route), "required_approvals": decision.required_approvals,
            "unit_price": str(unit_price), "outcome": text, "reasons": reasons(decision)}
