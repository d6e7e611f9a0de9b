"""The rules as pure functions: every threshold at, just below and just above, both profiles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mall.orders.compliance.engine import decide
from mall.orders.compliance.profiles import CN_CENTRAL, US_FEDERAL, Profile, profile_for
from mall.orders.compliance.rules import (
    CategorySpend,
    EarlierRequisition,
    Facts,
    LineFacts,
    competitors_rule,
)

CENT = Decimal("0.01")


def line(total: Decimal, **changes: object) -> LineFacts:
    fields: dict[str, object] = dict(
        offer_id=1, sku="SKU-1", category_id=7, quantity=1, unit_price=total,
        currency="CNY", offer_status="active", offer_valid_until=date(2030, 1, 1),
        supplier_status="active", supplier_awarded=True, agreement_number="GC-1",
        agreement_status="active", agreement_starts_on=date(2020, 1, 1),
        agreement_ends_on=date(2030, 1, 1), ceiling=None, regions=("*",), stock=5)
    fields.update(changes)
    return LineFacts(**fields)  # type: ignore[arg-type]


def facts(profile: Profile, own: Decimal, earlier: tuple[Decimal, ...] = (),
          on: date = date(2026, 3, 1), **kwargs: object) -> Facts:
    line_changes: dict[str, object] = {"currency": profile.currency}
    line_changes.update(kwargs.pop("line", {}))  # type: ignore[call-overload]
    spends = (CategorySpend(7, "A01", own, tuple(
        EarlierRequisition(100 + i, amount, "2026-02-01") for i, amount in enumerate(earlier))),)
    return Facts(profile=profile, on=on, currency=profile.currency, purchaser_region="CN-BJ",
                 own_total=own, lines=(line(own, **line_changes),),
                 categories=spends, **kwargs)  # type: ignore[arg-type]


TIERS = [
    # profile, date, direct limit, competition limit
    (CN_CENTRAL, date(2026, 3, 1), Decimal("200000"), Decimal("1000000")),
    (US_FEDERAL, date(2025, 9, 30), Decimal("10000"), Decimal("250000")),
    (US_FEDERAL, date(2025, 10, 1), Decimal("15000"), Decimal("350000")),
]


@pytest.mark.smoke
@pytest.mark.parametrize(("profile", "on", "direct_max", "competition_max"), TIERS)
def test_tier_at_below_and_above_each_threshold(profile: Profile, on: date,
                                                direct_max: Decimal,
                                                competition_max: Decimal) -> None:
    expect = [
        (direct_max - CENT, "direct"), (direct_max, "direct"),
        (direct_max + CENT, "competition"),
        (competition_max - CENT, "competition"), (competition_max, "competition"),
        (competition_max + CENT, "blocked"),
    ]
    for amount, route in expect:
        decision = decide(facts(profile, amount, on=on))
        assert decision.route == route, (profile.name, on, amount)
        tier = next(r for r in decision.results if r.rule == "tier")
        assert tier.inputs["basis"] == str(amount)
        assert tier.inputs["direct_max"] == str(direct_max.quantize(CENT))


@pytest.mark.parametrize(("profile", "on", "direct_max", "competition_max"), TIERS)
def test_cumulative_total_crosses_each_threshold(profile: Profile, on: date,
                                                 direct_max: Decimal,
                                                 competition_max: Decimal) -> None:
    """Splitting: the earlier amounts plus this one decide, at/below/above each limit."""
    own = Decimal("100.00")
    for limit, at_route, above_route in ((direct_max, "direct", "competition"),
                                         (competition_max, "competition", "blocked")):
        below = decide(facts(profile, own, (limit - own - CENT,), on=on))
        at = decide(facts(profile, own, (limit - own,), on=on))
        above = decide(facts(profile, own, (limit - own + CENT,), on=on))
        assert (below.route, at.route, above.route) == (at_route, at_route, above_route)
        splitting = next(r for r in above.results if r.rule == "splitting")
        assert splitting.outcome == "counted"
        assert "#100" in splitting.message_en and "#100" in splitting.message_zh


def test_threshold_changes_on_its_date() -> None:
    amount = Decimal("12000.00")
    assert decide(facts(US_FEDERAL, amount, on=date(2025, 9, 30))).route == "competition"
    assert decide(facts(US_FEDERAL, amount, on=date(2025, 10, 1))).route == "direct"
    assert US_FEDERAL.threshold("competition_max", date(2025, 10, 1)).amount == 350000
    assert US_FEDERAL.threshold("competition_max", date(2025, 9, 30)).amount == 250000


@pytest.mark.smoke
@pytest.mark.parametrize("profile", [CN_CENTRAL, US_FEDERAL])
def test_approval_limits_at_below_and_above(profile: Profile) -> None:
    one, collective = Decimal("5000.00"), Decimal("8000.00")
    limits = {"one_approver_above": one, "collective_above": collective,
              "collective_approvers": 3}
    cases = [(one - CENT, "direct", 0), (one, "direct", 0), (one + CENT, "approval", 1),
             (collective - CENT, "approval", 1), (collective, "approval", 1),
             (collective + CENT, "approval", 3)]
    for amount, route, required in cases:
        decision = decide(facts(profile, amount, on=date(2026, 3, 1), **limits))
        assert (decision.route, decision.required_approvals) == (route, required), amount
        rule = next(r for r in decision.results if r.rule == "approval_limits")
        assert rule.inputs["required_approvals"] == required


def test_approval_limits_do_not_apply_to_competitions() -> None:
    decision = decide(facts(CN_CENTRAL, Decimal("300000"), one_approver_above=Decimal("1")))
    assert decision.route == "competition"
    assert all(r.rule != "approval_limits" for r in decision.results)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"agreement_status": "suspended"}, "agreement_inactive"),
    ({"agreement_ends_on": date(2026, 2, 28)}, "agreement_out_of_date"),
    ({"supplier_status": "suspended"}, "supplier_inactive"),
    ({"supplier_awarded": False}, "supplier_inactive"),
    ({"offer_status": "suspended"}, "offer_inactive"),
    ({"offer_valid_until": date(2026, 2, 28)}, "offer_inactive"),
    ({"ceiling": Decimal("99.99")}, "price_above_ceiling"),
    ({"regions": ("CN-SH",)}, "region_not_served"),
    ({"stock": 0}, "insufficient_stock"),
])
def test_eligibility_blocks_with_named_problem(changes: dict[str, object], problem: str) -> None:
    decision = decide(facts(CN_CENTRAL, Decimal("100.00"), line=changes))
    assert decision.route == "blocked"
    rule = next(r for r in decision.results if r.rule == "eligibility")
    assert rule.outcome == "blocked"
    assert rule.inputs["problems"] == [problem]


def test_eligibility_edges_pass() -> None:
    """Price equal to the ceiling, stock equal to quantity, the country code as region."""
    decision = decide(facts(CN_CENTRAL, Decimal("100.00"), line={
        "ceiling": Decimal("100.00"), "stock": 1, "regions": ("CN",),
        "offer_valid_until": date(2026, 3, 1), "agreement_ends_on": date(2026, 3, 1)}))
    assert decision.route == "direct"


def test_other_currency_is_blocked_plainly() -> None:
    decision = decide(facts(US_FEDERAL, Decimal("5.00"), line={"currency": "CNY"}))
    assert decision.route == "blocked"
    assert any(r.rule == "currency" and r.outcome == "blocked" for r in decision.results)


def test_competitors_rule_needs_three() -> None:
    assert competitors_rule(CN_CENTRAL, [1, 2]).outcome == "approval"
    assert competitors_rule(CN_CENTRAL, [1, 2, 3]).outcome == "competition"


def test_windows() -> None:
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    assert CN_CENTRAL.window_start(now) == datetime(2026, 1, 1, tzinfo=UTC)
    assert (now - US_FEDERAL.window_start(now)).days == 30


def test_profile_override_and_sme_range() -> None:
    assert profile_for("us-federal", "cn-central") is US_FEDERAL
    assert profile_for(None, "cn-central") is CN_CENTRAL
    assert CN_CENTRAL.with_sme_deduction(Decimal("0.20")).sme_deduction == Decimal("0.20")
    with pytest.raises(ValueError):
        CN_CENTRAL.with_sme_deduction(Decimal("0.25"))
