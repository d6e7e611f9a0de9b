"""Second-stage competitions: invitations, the quoting period, sealed quotes, ending early.

Quotes are final: one per supplier, no revision. A sealed bid that can be changed after
seeing nothing gains little, and a single timestamp makes "ties go to the earlier quote"
unambiguous. Evaluation and award live in ``awards``.

Quoting is open from the invitation until the deadline, or until the buyer closes it early
once every invitee has quoted; before then nobody but each supplier sees a price, and a
supplier never learns who else was invited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus, Role, User
from mall.audit.services import record
from mall.catalog.models import Lot, Offer, OfferStatus
from mall.catalog.validation import CatalogLookup, effective_ceiling
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation
from mall.i18n import N_
from mall.locks import for_update
from mall.money import line_total, to_cents
from mall.orders.compliance.profiles import Profile
from mall.orders.models import (
    Competition,
    CompetitionInvitation,
    CompetitionStatus,
    Quote,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
)
from mall.orders.services.competition_subjects import (
    lines_of,
    lock_subject_of,
    purchaser_follows,
    start_competition,
    subject_of,
)

SME_SIZES = ("small", "micro")


def aware(value: datetime) -> datetime:
    """A stored time with its UTC offset (SQLite hands them back naive)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def quoting_deadline(requested: datetime | None, profile: Profile, purchaser: Organization,
                     now: datetime) -> datetime:
    """The deadline a new competition gets: the buyer's choice within the allowed period.

    At least the minimum quoting period (the purchaser's own, when it set a shorter one) and
    at most ``max_quoting_days``; without a choice, the profile's ``competition_days``.
    """
    if requested is None:
        return now + timedelta(days=profile.competition_days)
    requested = aware(requested)
    hours = profile.min_quoting_hours
    if purchaser.min_quoting_hours is not None:
        hours = min(hours, purchaser.min_quoting_hours)
    earliest, latest = now + timedelta(hours=hours), now + timedelta(days=profile.max_quoting_days)
    details = {"competition_deadline": requested.isoformat(), "earliest": earliest.isoformat(),
               "latest": latest.isoformat(), "min_quoting_hours": hours}
    if requested < earliest:
        raise RuleViolation(
            f"Suppliers must have at least {hours} hours to quote: the deadline can be "
            f"{earliest.isoformat(timespec='minutes')} at the earliest.",
            code="deadline_too_soon", details=details)
    if requested > latest:
        raise RuleViolation(
            f"A competition may run at most {profile.max_quoting_days} days: the deadline can "
            f"be {latest.isoformat(timespec='minutes')} at the latest.",
            code="deadline_too_late", details=details)
    return requested


def stored_plan(plan: dict[str, Any] | None) -> dict[str, Any] | None:
    """A loaded ``EvaluationPlanSchema`` as stored with the competition (decimals as text)."""
    if plan is None:
        return None
    return {"method": plan["method"], "price_weight": str(plan["price_weight"]),
            "panel_size": plan["panel_size"],
            "criteria": [{**c, "weight": str(c["weight"])} for c in plan["criteria"]]}


def open_competition(session: Session, requisition: Requisition, profile: Profile,
                     supplier_ids: list[int], now: datetime, deadline: datetime,
                     sme_only: bool = False, plan: dict[str, Any] | None = None
                     ) -> Competition:
    return start_competition(
        session, profile, supplier_ids, now, deadline,
        audit={"requisition_id": requisition.id, "sme_only": sme_only, "plan": plan},
        requisition_id=requisition.id, currency=requisition.currency, sme_only=sme_only,
        method=plan["method"] if plan else "lowest_price", evaluation_plan=plan)


def quoting_ends_at(competition: Competition) -> datetime:
    """When quoting ended or will end: the deadline, or earlier if the buyer closed it."""
    deadline = aware(competition.deadline)
    return min(deadline, aware(competition.closed_at)) if competition.closed_at else deadline


def quoting_open(competition: Competition, now: datetime) -> bool:
    return competition.status == CompetitionStatus.open and now < quoting_ends_at(competition)


def quotes_visible_to_purchaser(competition: Competition, now: datetime) -> bool:
    """Sealed until quoting has ended (or the competition is over)."""
    return (competition.status != CompetitionStatus.open
            or now >= quoting_ends_at(competition))


def end_competition_of(session: Session, requisition: Requisition, actor: User | None,
                       reason: str | None, now: datetime) -> None:
    """The requisition was withdrawn: its open competition ends, cancelled, with the reason."""
    competition = session.scalar(for_update(select(Competition).where(
        Competition.requisition_id == requisition.id)))
    if competition is not None and competition.status == CompetitionStatus.open:
        _cancel(session, competition, actor, reason or "requisition cancelled", now)


def _cancel(session: Session, competition: Competition, actor: User | None, reason: str,
            now: datetime) -> None:
    competition.status = CompetitionStatus.cancelled
    competition.cancelled_at = now
    competition.cancel_reason = reason
    session.flush()
    record(session, action="competition.cancel", target_type="competition",
           target_id=competition.id, actor=actor, before={"status": "open"},
           after={"status": "cancelled"}, reason=reason)


def cancel_competition(session: Session, user: User, competition_id: int, reason: str,
                       now: datetime | None = None) -> Competition:
    """The buyer calls the competition off (a reason is required); the requisition ends too.

    Allowed until the award; the invitees see that it was cancelled and why.
    """
    now = now or utcnow()
    require_purchasing_role(user)
    reason = reason.strip()
    if not reason:
        raise RuleViolation(N_("Say why the competition is cancelled."), code="reason_required")
    competition = competition_for_purchaser(session, user, competition_id, lock=True,
                                            with_subject_locks=True)
    if competition.status != CompetitionStatus.open:
        raise Conflict(f"The competition is {competition.status}.",
                       code="competition_not_open")
    requisition = competition.requisition
    _cancel(session, competition, user, reason, now)
    subject = subject_of(competition)
    if subject is not None:
        subject.cancel(session, competition, user, reason, now)
        session.flush()
        return competition
    assert requisition is not None
    requisition.status = RequisitionStatus.cancelled
    requisition.decided_at = now
    record(session, action="requisition.cancel", target_type="requisition",
           target_id=requisition.id, actor=user, before={"status": "pending"},
           after={"status": "cancelled", "competition_id": competition.id}, reason=reason)
    session.flush()
    return competition


def close_quoting(session: Session, user: User, competition_id: int,
                  now: datetime | None = None) -> Competition:
    """End quoting before the deadline, allowed once every invited supplier has quoted."""
    now = now or utcnow()
    require_purchasing_role(user)
    competition = competition_for_purchaser(session, user, competition_id, lock=True)
    if not quoting_open(competition, now):
        raise Conflict(N_("Quoting has already ended."), code="competition_closed",
                       details={"status": competition.status,
                                "quoting_ended_at": quoting_ends_at(competition).isoformat()})
    invited, quoted = len(competition.invitations), len(competition.quotes)
    if quoted < invited:
        raise Conflict(
            f"{quoted} of {invited} invited suppliers have quoted; quoting can end early only "
            "once every one has, otherwise it ends at the deadline.",
            code="quotes_outstanding", details={"invited_count": invited,
                                                "quoted_count": quoted})
    competition.closed_at = now
    session.flush()
    record(session, action="competition.close", target_type="competition",
           target_id=competition.id, actor=user,
           after={"closed_at": now, "deadline": competition.deadline, "quoted_count": quoted})
    return competition


def require_purchasing_role(user: User) -> None:
    if not user.has_role(Role.buyer, Role.approver):
        raise Forbidden(N_("This needs the role buyer or approver."), code="role_required")


def supplier_ceiling(session: Session, line: RequisitionLine, supplier_id: int) -> Decimal | None:
    """The supplier's ceiling for the line: its item ceiling for the item, else the lot's."""
    offer = supplier_offer(session, line, supplier_id)
    sku = offer.sku if offer is not None else line.sku
    item = CatalogLookup(session).item_ceiling(line.agreement_id, supplier_id, sku)
    lot = session.get(Lot, line.lot_id)
    return effective_ceiling(lot.ceiling_price if lot else None, item)


def supplier_offer(session: Session, line: RequisitionLine, supplier_id: int) -> Offer | None:
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
                              lock: bool = False, with_subject_locks: bool = False
                              ) -> Competition:
    """The competition if the user's organization follows it as purchaser (else 404).

    ``with_subject_locks``: the subject's locks first (a joint purchase's row), then the
    competition's, the order of ``mall.locks``.
    """
    if with_subject_locks:
        lock_subject_of(session, competition_id)
    query = select(Competition).where(Competition.id == competition_id)
    if lock:
        query = for_update(query)
    competition = session.scalar(query)
    if competition is None or not purchaser_follows(session, user, competition):
        raise NotFound(f"Competition {competition_id} does not exist.",
                       code="competition_not_found")
    return competition


def ceiling_of(session: Session, competition: Competition, line: Any,
               supplier_id: int) -> Decimal | None:
    """The supplier's ceiling for one line of the competition."""
    subject = subject_of(competition)
    if subject is not None:
        return subject.ceiling(session, competition, line, supplier_id)
    return supplier_ceiling(session, line, supplier_id)


def check_quote(session: Session, competition: Competition, supplier: Organization,
                lines: list[dict[str, Any]], technical: dict[str, str] | None = None
                ) -> dict[int, Decimal]:
    """The quoted unit price per line, or 422 ``quote_refused`` naming every problem.

    Every line priced once, above zero and at most the supplier's ceiling for it; in a
    best-value competition, an answer to every criterion and nothing else. The supplier page
    runs this before asking for the final confirmation.
    """
    if supplier.status != OrganizationStatus.active:
        raise Forbidden(N_("Only active suppliers may quote."), code="supplier_inactive")
    req_lines = {li.id: li for li in lines_of(session, competition)}
    subject = subject_of(competition)
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
        ceiling = ceiling_of(session, competition, line, supplier.id)
        if price <= 0:
            problems.append({"field": f"lines.{line_id}.unit_price", "code": "not_positive",
                             "message": f"{line.sku}: a unit price must be above zero."})
        elif ceiling is not None and price > ceiling:
            problems.append({"field": f"lines.{line_id}.unit_price", "code": "above_ceiling",
                             "message": f"{line.sku}: {price} is above your ceiling "
                                        f"{ceiling}."})
        elif subject is not None:
            problems += subject.price_problems(session, competition, line, supplier.id, price)
    problems += _technical_problems(competition, technical)
    if problems:
        raise RuleViolation(N_("The quote was refused."), code="quote_refused",
                            details={"problems": problems})
    return prices


def _technical_problems(competition: Competition,
                        technical: dict[str, str] | None) -> list[dict[str, str]]:
    plan = competition.evaluation_plan
    answers = {k: (v or "").strip() for k, v in (technical or {}).items()}
    if plan is None:
        return [] if not answers else [{
            "field": "technical", "code": "not_expected",
            "message": "This competition is on price alone: send no technical answers."}]
    keys = [c["key"] for c in plan["criteria"]]
    problems = [{"field": f"technical.{key}", "code": "answer_missing",
                 "message": f"Answer the criterion {key}."}
                for key in keys if not answers.get(key)]
    problems += [{"field": f"technical.{key}", "code": "unknown_criterion",
                  "message": f"{key} is not a criterion of this competition."}
                 for key in sorted(set(answers) - set(keys))]
    return problems


def submit_quote(session: Session, user: User, competition_id: int,
                 lines: list[dict[str, Any]], now: datetime | None = None,
                 technical: dict[str, str] | None = None) -> Quote:
    now = now or utcnow()
    competition = competition_for_supplier(session, user, competition_id)
    if not quoting_open(competition, now):
        raise Conflict(N_("The competition is closed for quotes."), code="competition_closed",
                       details={"deadline": aware(competition.deadline).isoformat(),
                                "quoting_ended_at": quoting_ends_at(competition).isoformat(),
                                "status": competition.status})
    supplier = user.organization
    prices = check_quote(session, competition, supplier, lines, technical)
    req_lines = {li.id: li for li in lines_of(session, competition)}
    if session.scalar(select(Quote.id).where(Quote.competition_id == competition.id,
                                             Quote.supplier_id == supplier.id)):
        raise Conflict(N_("You have already quoted; quotes are final."), code="quote_exists")
    total = sum((line_total(prices[lid], li.quantity) for lid, li in req_lines.items()),
                Decimal("0"))
    deduction = competition.sme_deduction if supplier.size in SME_SIZES else Decimal("0")
    quote = Quote(
        competition_id=competition.id, supplier_id=supplier.id, submitted_by_id=user.id,
        lines=[{"line_id": lid, "unit_price": str(prices[lid])} for lid in sorted(prices)],
        total=total, evaluated_total=to_cents(total * (1 - deduction)),
        technical={k: v.strip() for k, v in technical.items()}
        if technical and competition.evaluation_plan else None,
        currency=competition.currency, submitted_at=now)
    try:
        with session.begin_nested():  # a concurrent duplicate loses on the unique constraint
            # Through the collection, so a competition already loaded counts the new quote.
            competition.quotes.append(quote)
            session.flush()
    except IntegrityError:
        raise Conflict(N_("You have already quoted; quotes are final."),
                       code="quote_exists") from None
    record(session, action="quote.submit", target_type="competition",
           target_id=competition.id, actor=user,
           after={"quote_id": quote.id, "total": str(total),
                  "evaluated_total": str(quote.evaluated_total)})
    return quote


def supplier_invitations_query(user: User, status: str | None = None) -> Select[Any]:
    """The supplier's invitations: open ones first by nearest deadline, then the rest."""
    query = (select(Competition).join(CompetitionInvitation)
             .where(CompetitionInvitation.supplier_id == user.organization_id))
    if status:
        query = query.where(Competition.status == status)
    still_open = case((Competition.status == CompetitionStatus.open, 0), else_=1)
    return query.order_by(still_open, Competition.deadline, Competition.id.desc())


def supplier_standing(competition: Competition, supplier_id: int) -> str:
    """Where one invitee stands: to quote, quoted, won, lost, missed or cancelled."""
    quoted = any(q.supplier_id == supplier_id for q in competition.quotes)
    if competition.status == CompetitionStatus.cancelled:
        return "cancelled"
    if competition.status == CompetitionStatus.awarded:
        winner = next((q for q in competition.quotes if q.id == competition.awarded_quote_id),
                      None)
        if winner is not None and winner.supplier_id == supplier_id:
            return "won"
        return "lost" if quoted else "missed"
    if quoted:
        return "quoted"
    return "to_quote" if quoting_open(competition, utcnow()) else "missed"
