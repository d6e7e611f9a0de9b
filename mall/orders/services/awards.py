"""Evaluation and award of a competition, and the flags the award raises for the center.

The evaluation is lowest evaluated total (the SME deduction applied for small and micro
suppliers; it ranks, it is never paid). The buyer awards the rank-1 quote; awarding any
other quote needs a reason and raises a ``non_first_award`` flag, so the center sees every
such choice with its reason and the ranking it overrode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, Role, User
from mall.audit.services import record
from mall.db import utcnow
from mall.errors import Conflict, RuleViolation
from mall.i18n import N_
from mall.orders.models import (
    Competition,
    CompetitionStatus,
    Flag,
    FlagKind,
    Quote,
    RequisitionStatus,
)
from mall.orders.services.competition_subjects import subject_of
from mall.orders.services.competitions import (
    aware,
    competition_for_purchaser,
    quotes_visible_to_purchaser,
    quoting_ends_at,
    require_purchasing_role,
    supplier_ceiling,
    supplier_offer,
)
from mall.orders.services.facts import line_facts, unlisted_line_facts
from mall.orders.services.purchase_orders import PlannedLine, create_orders


def ranked_quotes(competition: Competition) -> list[Quote]:
    """Lowest evaluated total first; ties go to the earlier quote."""
    return sorted(competition.quotes,
                  key=lambda q: (q.evaluated_total, aware(q.submitted_at), q.id))


@dataclass(frozen=True)
class EvaluatedQuote:
    """One row of the evaluation table."""

    rank: int
    quote: Quote
    deduction: Decimal  # the amount taken off for ranking only
    score: Decimal | None = None  # a best-value total out of 100 (None: ranked on price)

    @property
    def letter(self) -> str:
        """How the quote is named before the award discloses who made it: A, B, C …"""
        return chr(ord("A") + self.rank - 1) if self.rank <= 26 else str(self.rank)


# A ranking other than lowest price: the quotes best first with their totals, or None while
# the method cannot rank yet (a panel still scoring). Registered by the method's package
# (mall.evaluation registers "best_value"), so orders never imports it.
Ranker = Callable[[Session, Competition], "list[tuple[Quote, Decimal]] | None"]
RANKERS: dict[str, Ranker] = {}


def register_ranker(method: str, ranker: Ranker) -> None:
    RANKERS[method] = ranker


def evaluation(session: Session, competition: Competition,
               strict: bool = False) -> list[EvaluatedQuote]:
    """The evaluation table, best first.

    Lowest evaluated price, or the competition's method's ranking. While that method cannot
    rank yet, the table is in price order without scores, or with ``strict`` 409
    ``evaluation_incomplete``.
    """
    if competition.method != "lowest_price":
        ranked = RANKERS[competition.method](session, competition)
        if ranked is not None:
            return [EvaluatedQuote(rank, q, q.total - q.evaluated_total, score)
                    for rank, (q, score) in enumerate(ranked, start=1)]
        if strict:
            raise Conflict(N_("The expert panel has not finished scoring; the award follows "
                           "their totals."), code="evaluation_incomplete")
    return [EvaluatedQuote(rank, q, q.total - q.evaluated_total)
            for rank, q in enumerate(ranked_quotes(competition), start=1)]


def award(session: Session, user: User, competition_id: int, quote_id: int | None = None,
          reason: str | None = None, now: datetime | None = None) -> Competition:
    """Award a quote (rank 1 unless ``quote_id`` names another) and place its order.

    Possible once quoting has ended. The winner's lines must still be eligible now (its
    offer, or without one its status and award, the agreement, the ceiling); otherwise 422
    ``no_longer_eligible`` and nothing changes.
    """
    now = now or utcnow()
    if not user.has_role(Role.center_admin):
        # The center awards only what its subject lets it follow (a joint purchase it
        # leads); a requisition's competition is never the center's (404 below).
        require_purchasing_role(user)
    competition = competition_for_purchaser(session, user, competition_id, lock=True,
                                            with_subject_locks=True)
    if competition.status != CompetitionStatus.open:
        raise Conflict(f"The competition is {competition.status}.",
                       code="competition_not_open")
    if not quotes_visible_to_purchaser(competition, now):
        raise Conflict(N_("Quotes can be evaluated only after the deadline."),
                       code="deadline_not_passed",
                       details={"deadline": quoting_ends_at(competition).isoformat()})
    table = evaluation(session, competition, strict=bool(competition.quotes))
    if not table:
        raise RuleViolation(N_("No supplier quoted; cancel the competition or submit a new "
                            "requisition."), code="no_quotes")
    chosen = table[0] if quote_id is None else next(
        (row for row in table if row.quote.id == quote_id), None)
    if chosen is None:
        raise RuleViolation(f"Quote {quote_id} is not part of this competition.",
                            code="unknown_quote", details={"quote_id": quote_id})
    reason = (reason or "").strip() or None
    if chosen.rank != 1 and reason is None:
        raise RuleViolation(
            f"The chosen quote ranks {chosen.rank}; awarding any quote but the lowest "
            "evaluated one needs a reason, which the procurement center will see.",
            code="award_reason_required", details={"rank": chosen.rank})
    winner = chosen.quote
    subject = subject_of(competition)
    if subject is not None:  # e.g. a joint purchase: one requisition per participant
        subject.award(session, competition, winner, user, now)
    else:
        _place_winning_order(session, competition, winner, user, now)
    competition.status = CompetitionStatus.awarded
    competition.awarded_quote_id = winner.id
    competition.awarded_at = now
    competition.awarded_rank = chosen.rank
    competition.award_reason = reason
    if subject is None:
        requisition = competition.requisition
        assert requisition is not None
        requisition.status = RequisitionStatus.ordered
        requisition.decided_at = now
    session.flush()
    flags = raise_flags(session, competition, table, chosen)
    record(session, action="competition.award", target_type="competition",
           target_id=competition.id, actor=user, reason=reason,
           after={"winner_supplier_id": winner.supplier_id, "quote_id": winner.id,
                  "rank": chosen.rank,
                  "ranking": [{"rank": row.rank, "supplier_id": row.quote.supplier_id,
                               "total": str(row.quote.total),
                               "evaluated_total": str(row.quote.evaluated_total)}
                              for row in table],
                  "flags": [f.kind for f in flags]})
    return competition


def _place_winning_order(session: Session, competition: Competition, winner: Quote,
                         user: User, now: datetime) -> None:
    """The winner's order at its quoted prices, its lines checked as the catalog has them."""
    requisition = competition.requisition
    assert requisition is not None
    prices = {int(li["line_id"]): Decimal(li["unit_price"]) for li in winner.lines}
    planned = []
    eligibility = []
    for line in requisition.lines:
        offer = supplier_offer(session, line, winner.supplier_id)
        planned.append(PlannedLine(
            line.id, offer.id if offer is not None else None, line.category_id,
            offer.title if offer is not None else line.title,
            offer.sku if offer is not None else line.sku, line.quantity, prices[line.id],
            competition.currency))
        eligibility.append(
            line_facts(session, offer, line.quantity, prices[line.id]) if offer is not None
            else unlisted_line_facts(session, line, winner.supplier_id, prices[line.id],
                                     supplier_ceiling(session, line, winner.supplier_id)))
    # Orders at the quoted price: the SME deduction only ranks, it is never paid.
    create_orders(session, requisition, {winner.supplier_id: planned}, user, eligibility, now,
                  competition_id=competition.id)


def raise_flags(session: Session, competition: Competition,
                table: list[EvaluatedQuote], chosen: EvaluatedQuote) -> list[Flag]:
    """For the center: a non-first award, identical totals, quoting suppliers sharing a
    contact."""
    flags: list[Flag] = []
    if chosen.rank != 1:
        first = table[0].quote
        flags.append(Flag(
            kind=FlagKind.non_first_award, competition_id=competition.id,
            supplier_ids=sorted({chosen.quote.supplier_id, first.supplier_id}),
            details={"rank": chosen.rank, "reason": competition.award_reason,
                     "awarded_quote_id": chosen.quote.id,
                     "awarded_evaluated_total": str(chosen.quote.evaluated_total),
                     "lowest_quote_id": first.id,
                     "lowest_evaluated_total": str(first.evaluated_total),
                     "currency": competition.currency}))
    by_total: dict[Decimal, set[int]] = defaultdict(set)
    for quote in competition.quotes:
        by_total[quote.total].add(quote.supplier_id)
    for total, suppliers in sorted(by_total.items()):
        if len(suppliers) > 1:
            flags.append(Flag(kind=FlagKind.identical_totals, competition_id=competition.id,
                              supplier_ids=sorted(suppliers),
                              details={"total": str(total), "currency": competition.currency}))
    orgs = session.scalars(select(Organization).where(
        Organization.id.in_({q.supplier_id for q in competition.quotes}))).all()
    for attribute in ("contact_email", "contact_phone"):
        shared: dict[str, set[int]] = defaultdict(set)
        for org in orgs:
            value = getattr(org, attribute)
            if value:
                shared[value.strip().lower()].add(org.id)
        for value, suppliers in sorted(shared.items()):
            if len(suppliers) > 1:
                flags.append(Flag(kind=FlagKind.shared_contact, competition_id=competition.id,
                                  supplier_ids=sorted(suppliers),
                                  details={"field": attribute, "value": value}))
    session.add_all(flags)
    session.flush()
    for flag in flags:
        record(session, action="flag.raise", target_type="flag", target_id=flag.id,
               actor=None, after={"kind": flag.kind, "competition_id": competition.id,
                                  "supplier_ids": flag.supplier_ids, "details": flag.details})
    return flags
