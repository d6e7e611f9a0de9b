"""Second-stage competitions: invitations, sealed quotes, SME-adjusted evaluation, award.

Quotes are final: one per supplier, no revision. A sealed bid that can be changed after
seeing nothing gains little, and a single timestamp makes "ties go to the earlier quote"
unambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus, Role, User
from mall.audit.services import record
from mall.catalog.models import Lot, Offer, OfferStatus
from mall.catalog.validation import CatalogLookup, effective_ceiling
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation
from mall.locks import for_update
from mall.money import line_total, to_cents
from mall.orders.compliance.profiles import Profile
from mall.orders.models import (
    Competition,
    CompetitionInvitation,
    CompetitionStatus,
    Flag,
    FlagKind,
    Quote,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
)
from mall.orders.services.facts import line_facts, unlisted_line_facts
from mall.orders.services.purchase_orders import PlannedLine, create_orders

SME_SIZES = ("small", "micro")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def open_competition(session: Session, requisition: Requisition, profile: Profile,
                     supplier_ids: list[int], now: datetime) -> Competition:
    competition = Competition(
        requisition_id=requisition.id, status=CompetitionStatus.open,
        deadline=now + timedelta(days=profile.competition_days),
        currency=requisition.currency, sme_deduction=profile.sme_deduction, created_at=now,
        invitations=[CompetitionInvitation(supplier_id=s, invited_at=now)
                     for s in supplier_ids])
    session.add(competition)
    session.flush()
    record(session, action="competition.open", target_type="competition",
           target_id=competition.id, actor=None,
           after={"requisition_id": requisition.id, "deadline": competition.deadline,
                  "invited": supplier_ids, "sme_deduction": str(profile.sme_deduction)})
    return competition


def cancel_competition_of(session: Session, requisition: Requisition) -> None:
    competition = session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    if competition is not None and competition.status == CompetitionStatus.open:
        competition.status = CompetitionStatus.cancelled


def supplier_ceiling(session: Session, line: RequisitionLine, supplier_id: int) -> Decimal | None:
    """The supplier's ceiling for the line: its item ceiling for the item, else the lot's."""
    offer = _supplier_offer(session, line, supplier_id)
    sku = offer.sku if offer is not None else line.sku
    item = CatalogLookup(session).item_ceiling(line.agreement_id, supplier_id, sku)
    lot = session.get(Lot, line.lot_id)
    return effective_ceiling(lot.ceiling_price if lot else None, item)


def _supplier_offer(session: Session, line: RequisitionLine, supplier_id: int) -> Offer | None:
    """The supplier's own offer for the same product under the same agreement.

    An active one if there is one; otherwise whatever offer it has (a delisted or suspended
    one, which then fails eligibility at the award rather than being ordered around). None
    when the supplier never listed the product.
    """
    if line.supplier_id == supplier_id:
        return session.get(Offer, line.offer_id)
    original = session.get(Offer, line.offer_id)
    if original is None:
        return None
    return session.scalar(select(Offer).where(
        Offer.supplier_id == supplier_id, Offer.agreement_id == line.agreement_id,
        Offer.product_id == original.product_id)
        .order_by((Offer.status == OfferStatus.active).desc(), Offer.id).limit(1))


def competition_for_supplier(session: Session, user: User, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None or user.organization_id not in {
            i.supplier_id for i in competition.invitations}:
        raise NotFound(f"Competition {competition_id} does not exist.",
                       code="competition_not_found")
    return competition


def competition_for_purchaser(session: Session, user: User, competition_id: int,
                              lock: bool = False) -> Competition:
    query = select(Competition).where(Competition.id == competition_id)
    if lock:
        query = for_update(query)
    competition = session.scalar(query)
    if competition is None or (competition.requisition.purchaser_organization_id
                               != user.organization_id):
        raise NotFound(f"Competition {competition_id} does not exist.",
                       code="competition_not_found")
    return competition


def submit_quote(session: Session, user: User, competition_id: int,
                 lines: list[dict[str, Any]], now: datetime | None = None) -> Quote:
    now = now or utcnow()
    competition = competition_for_supplier(session, user, competition_id)
    if competition.status != CompetitionStatus.open or now >= _aware(competition.deadline):
        raise Conflict("The competition is closed for quotes.", code="competition_closed",
                       details={"deadline": _aware(competition.deadline).isoformat(),
                                "status": competition.status})
    supplier = user.organization
    if supplier.status != OrganizationStatus.active:
        raise Forbidden("Only active suppliers may quote.", code="supplier_inactive")
    req_lines = {li.id: li for li in competition.requisition.lines}
    prices = {int(li["line_id"]): Decimal(li["unit_price"]) for li in lines}
    problems = []
    if len(prices) != len(lines):
        problems.append({"field": "lines", "code": "duplicate_line",
                         "message": "Quote each line once."})
    for line_id in sorted(set(req_lines) - set(prices)):
        problems.append({"field": "lines", "code": "line_missing",
                         "message": f"Line {line_id} needs a price."})
    for line_id, price in sorted(prices.items()):
        line = req_lines.get(line_id)
        if line is None:
            problems.append({"field": "lines", "code": "unknown_line",
                             "message": f"Line {line_id} is not part of this competition."})
            continue
        ceiling = supplier_ceiling(session, line, supplier.id)
        if price <= 0:
            problems.append({"field": f"lines.{line_id}.unit_price", "code": "not_positive",
                             "message": "A unit price must be above zero."})
        elif ceiling is not None and price > ceiling:
            problems.append({"field": f"lines.{line_id}.unit_price", "code": "above_ceiling",
                             "message": f"{price} is above your ceiling {ceiling}."})
    if problems:
        raise RuleViolation("The quote was refused.", code="quote_refused",
                            details={"problems": problems})
    if session.scalar(select(Quote.id).where(Quote.competition_id == competition.id,
                                             Quote.supplier_id == supplier.id)):
        raise Conflict("You have already quoted; quotes are final.", code="quote_exists")
    total = sum((line_total(prices[lid], li.quantity) for lid, li in req_lines.items()),
                Decimal("0"))
    deduction = competition.sme_deduction if supplier.size in SME_SIZES else Decimal("0")
    quote = Quote(
        competition_id=competition.id, supplier_id=supplier.id, submitted_by_id=user.id,
        lines=[{"line_id": lid, "unit_price": str(prices[lid])} for lid in sorted(prices)],
        total=total, evaluated_total=to_cents(total * (1 - deduction)),
        currency=competition.currency, submitted_at=now)
    try:
        with session.begin_nested():  # a concurrent duplicate loses on the unique constraint
            # Through the collection, so a competition already loaded counts the new quote.
            competition.quotes.append(quote)
            session.flush()
    except IntegrityError:
        raise Conflict("You have already quoted; quotes are final.",
                       code="quote_exists") from None
    record(session, action="quote.submit", target_type="competition",
           target_id=competition.id, actor=user,
           after={"quote_id": quote.id, "total": str(total),
                  "evaluated_total": str(quote.evaluated_total)})
    return quote


def ranked_quotes(competition: Competition) -> list[Quote]:
    """Lowest evaluated total first; ties go to the earlier quote."""
    return sorted(competition.quotes,
                  key=lambda q: (q.evaluated_total, _aware(q.submitted_at), q.id))


def award(session: Session, user: User, competition_id: int,
          now: datetime | None = None) -> Competition:
    """Award to the lowest evaluated quote and place its order at the quoted prices.

    The winner's lines must still be eligible now (its offer, or without one its status and
    award, the agreement, the ceiling); otherwise 422 ``no_longer_eligible`` and nothing
    changes.
    """
    now = now or utcnow()
    if not user.has_role(Role.buyer, Role.approver):
        raise Forbidden("This needs the role buyer or approver.", code="role_required")
    competition = competition_for_purchaser(session, user, competition_id, lock=True)
    if competition.status != CompetitionStatus.open:
        raise Conflict(f"The competition is {competition.status}.",
                       code="competition_not_open")
    if now < _aware(competition.deadline):
        raise Conflict("Quotes can be evaluated only after the deadline.",
                       code="deadline_not_passed",
                       details={"deadline": _aware(competition.deadline).isoformat()})
    ranking = ranked_quotes(competition)
    if not ranking:
        raise RuleViolation("No supplier quoted; cancel the requisition or submit a new one.",
                            code="no_quotes")
    winner = ranking[0]
    requisition = competition.requisition
    prices = {int(li["line_id"]): Decimal(li["unit_price"]) for li in winner.lines}
    planned = []
    # The winner's lines are checked as the catalog has them now, at the quoted prices.
    eligibility = []
    for line in requisition.lines:
        offer = _supplier_offer(session, line, winner.supplier_id)
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
    competition.status = CompetitionStatus.awarded
    competition.awarded_quote_id = winner.id
    competition.awarded_at = now
    requisition.status = RequisitionStatus.ordered
    requisition.decided_at = now
    session.flush()
    flags = raise_flags(session, competition)
    record(session, action="competition.award", target_type="competition",
           target_id=competition.id, actor=user,
           after={"winner_supplier_id": winner.supplier_id, "quote_id": winner.id,
                  "ranking": [{"supplier_id": q.supplier_id, "total": str(q.total),
                               "evaluated_total": str(q.evaluated_total)} for q in ranking],
                  "flags": [f.kind for f in flags]})
    return competition


def raise_flags(session: Session, competition: Competition) -> list[Flag]:
    """Identical totals from different suppliers, and quoting suppliers sharing a contact."""
    flags: list[Flag] = []
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


def quotes_visible_to_purchaser(competition: Competition, now: datetime) -> bool:
    return (competition.status != CompetitionStatus.open
            or now >= _aware(competition.deadline))
