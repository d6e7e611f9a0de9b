"""Jurisdiction profiles as data: dated thresholds, the cumulative window, the SME deduction.

A threshold row applies from its ``effective_from`` date until a later row of the same name
takes over, so a change such as the US micro-purchase threshold rising on 2025-10-01 is a
new row, never an edit of an old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

MICRO = "direct_max"  # ≤ this: direct purchase
COMPETITION = "competition_max"  # ≤ this: second-stage competition; above: blocked


@dataclass(frozen=True)
class Threshold:
    name: str
    amount: Decimal
    currency: str
    effective_from: date


@dataclass(frozen=True)
class SmeReservation:
    """预留份额: the share of a purchaser's yearly spend to reserve for SME suppliers.

    The target applies once the purchaser's purchases in the year exceed ``applies_above``;
    an SME-reserved purchase with fewer than the profile's ``min_competitors`` SME suppliers
    falls back to ``fallback``: "open_competition" (every eligible supplier is invited) or
    "approval" (an approver decides, as with too few competitors).
    """

    target_share: Decimal
    applies_above: Decimal
    fallback: str = "open_competition"


FALLBACKS = ("open_competition", "approval")


@dataclass(frozen=True)
class Profile:
    name: str
    currency: str
    # "rolling_days" (with window_days) or "calendar_year".
    window: str
    window_days: int
    thresholds: tuple[Threshold, ...]
    sme_deduction: Decimal
    sme_deduction_range: tuple[Decimal, Decimal]
    min_competitors: int = 3
    # A competition's default quoting period, and the shortest and longest a buyer may set.
    competition_days: int = 5
    min_quoting_hours: int = 72
    max_quoting_days: int = 60
    sme_reservation: SmeReservation = SmeReservation(Decimal("0"), Decimal("0"))
    price_hold_days: int = 7
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def threshold(self, name: str, on: date) -> Threshold:
        """The row of ``name`` in force on ``on``: the latest one not after that date."""
        rows = sorted((t for t in self.thresholds if t.name == name and t.effective_from <= on),
                      key=lambda t: t.effective_from)
        if not rows:
            raise LookupError(f"profile {self.name} has no {name} threshold on {on}")
        return rows[-1]

    def window_start(self, now: datetime) -> datetime:
        if self.window == "calendar_year":
            # The Chinese fiscal year is the calendar year.
            return datetime(now.year, 1, 1, tzinfo=UTC)
        return now - timedelta(days=self.window_days)

    def window_label(self) -> tuple[str, str]:
        if self.window == "calendar_year":
            return "本财政（自然）年度", "this fiscal (calendar) year"
        return f"最近 {self.window_days} 天", f"the last {self.window_days} days"

    def with_sme_deduction(self, share: Decimal) -> Profile:
        low, high = self.sme_deduction_range
        if not low <= share <= high:
            raise ValueError(f"{self.name}: the SME deduction must be between {low} and {high}")
        return replace(self, sme_deduction=share)

    def with_sme_fallback(self, fallback: str) -> Profile:
        if fallback not in FALLBACKS:
            raise ValueError(f"the SME reservation fallback must be one of {FALLBACKS}")
        return replace(self, sme_reservation=replace(self.sme_reservation, fallback=fallback))


US_FEDERAL = Profile(
    name="us-federal",
    currency="USD",
    window="rolling_days",
    window_days=30,
    thresholds=(
        # FAR 2.101 before the 2025 inflation adjustment ...
        Threshold(MICRO, Decimal("10000.00"), "USD", date(2020, 8, 31)),
        Threshold(COMPETITION, Decimal("250000.00"), "USD", date(2018, 12, 12)),
        # ... and from 2025-10-01.
        Threshold(MICRO, Decimal("15000.00"), "USD", date(2025, 10, 1)),
        Threshold(COMPETITION, Decimal("350000.00"), "USD", date(2025, 10, 1)),
    ),
    sme_deduction=Decimal("0"),
    sme_deduction_range=(Decimal("0"), Decimal("0.20")),
    # FAR 16.505: a fair opportunity with a reasonable response time; two days by default.
    min_quoting_hours=48,
    # The government-wide small-business goal (15 U.S.C. 644(g)): 23% of prime contract
    # dollars, counted from the first dollar.
    sme_reservation=SmeReservation(Decimal("0.23"), Decimal("0")),
)

CN_CENTRAL = Profile(
    name="cn-central",
    currency="CNY",
    window="calendar_year",
    window_days=366,
    thresholds=(
        # Illustrative defaults: the central decentralized-procurement limit is 1,000,000.
        Threshold(MICRO, Decimal("200000.00"), "CNY", date(2020, 1, 1)),
        Threshold(COMPETITION, Decimal("1000000.00"), "CNY", date(2020, 1, 1)),
    ),
    sme_deduction=Decimal("0.10"),
    sme_deduction_range=(Decimal("0.10"), Decimal("0.20")),
    # Quotes stay open at least three days (configurable per purchaser, shorter only).
    min_quoting_hours=72,
    # 财库〔2022〕19号: above 4,000,000 CNY, reserve 40% for SMEs (illustrative, it is data).
    sme_reservation=SmeReservation(Decimal("0.40"), Decimal("4000000.00")),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (US_FEDERAL, CN_CENTRAL)}


def profile_named(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise LookupError(f"unknown jurisdiction profile {name!r}") from None


def profile_for(organization_jurisdiction: str | None, deployment_jurisdiction: str) -> Profile:
    """The purchaser organization's own profile if set, else the deployment's."""
    return profile_named(organization_jurisdiction or deployment_jurisdiction)
