"""Runs the named rules over a requisition's facts and picks the strictest route."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mall.orders.compliance.outcomes import STRICTNESS, Route
from mall.orders.compliance.rules import (
    Facts,
    RuleResult,
    approval_limits_rule,
    currency_rule,
    eligibility_rule,
    splitting_rule,
    tier_rule,
)


@dataclass(frozen=True)
class Decision:
    route: Route
    required_approvals: int
    results: tuple[RuleResult, ...]

    def rules_json(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.results]


def _route_of(result: RuleResult) -> Route:
    """The route a routing rule (tier) asked for; such a rule never answers pass or counted."""
    if not isinstance(result.outcome, Route):
        raise ValueError(f"The {result.rule} rule gave {result.outcome!r}, not a route.")
    return result.outcome


def decide(facts: Facts) -> Decision:
    """Blocked if any line is ineligible or any category is over the top tier; otherwise the
    strictest tier over all categories; a direct route may still need approvers."""
    results: list[RuleResult] = []
    results += currency_rule(facts)
    results += eligibility_rule(facts)
    ineligible = any(r.outcome == Route.blocked for r in results)
    # Every rule is still evaluated and stored, so the record shows the whole picture.
    results += splitting_rule(facts)
    tiers = tier_rule(facts)
    results += tiers
    if ineligible:
        return Decision(Route.blocked, 0, tuple(results))
    route = max((_route_of(t) for t in tiers), key=STRICTNESS.__getitem__, default=Route.direct)
    limits = approval_limits_rule(facts)
    required = int(limits.inputs.get("required_approvals") or 0)
    if route == Route.direct:
        results.append(limits)
        if limits.outcome == Route.approval:
            route = Route.approval
    needs_approvers = route in (Route.approval, Route.competition)
    return Decision(route, required if needs_approvers else 0, tuple(results))


def fall_back_to_approval(decision: Decision, competitors: RuleResult) -> Decision:
    """A competition with too few suppliers goes to (at least one) approver instead."""
    required = max(1, decision.required_approvals)
    return Decision(Route.approval, required, (*decision.results, competitors))


def with_result(decision: Decision, result: RuleResult) -> Decision:
    return Decision(decision.route, decision.required_approvals, (*decision.results, result))
