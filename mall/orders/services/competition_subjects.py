"""What a competition is for: a requisition, or another subject registered here.

A competition's ``subject`` is ``"requisition"`` (the second stage of one requisition, the
code in ``competitions`` and ``awards``) or a kind registered by another package, e.g.
``"joint_purchase"`` by ``mall.joint``, which supplies the lines quoted on, who may follow
the competition as purchaser, which quotes are allowed, and what its award and cancellation
do. Orders never import those packages (the import-linter layers): they register here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.services import record
from mall.orders.compliance.profiles import Profile
from mall.orders.models import Competition, CompetitionInvitation, CompetitionStatus, Quote

REQUISITION = "requisition"


@dataclass(frozen=True)
class SubjectLine:
    """A line quoted on, shaped like a requisition line where pages and quotes read it."""

    id: int
    sku: str
    title: str
    quantity: int
    category_id: int


class Subject(Protocol):
    def lock(self, session: Session, competition_id: int) -> None:
        """Take the subject's locks before the competition's row (``mall.locks``)."""

    def lines(self, session: Session, competition: Competition) -> list[SubjectLine]: ...

    def requirement_text(self, session: Session, competition: Competition) -> str | None: ...

    def purchaser_may_follow(self, session: Session, user: User,
                             competition: Competition) -> bool: ...

    def ceiling(self, session: Session, competition: Competition, line: SubjectLine,
                supplier_id: int) -> Decimal | None: ...

    def price_problems(self, session: Session, competition: Competition, line: SubjectLine,
                       supplier_id: int, price: Decimal) -> list[dict[str, str]]: ...

    def award(self, session: Session, competition: Competition, winner: Quote,
              actor: User, now: datetime) -> None:
        """Place what the award places (the competition's row is held)."""

    def cancel(self, session: Session, competition: Competition, actor: User | None,
               reason: str, now: datetime) -> None: ...


SUBJECTS: dict[str, Subject] = {}


def register_subject(kind: str, subject: Subject) -> None:
    SUBJECTS[kind] = subject


def subject_of(competition: Competition) -> Subject | None:
    """The registered subject, or None for a requisition's competition."""
    if competition.subject == REQUISITION:
        return None
    return SUBJECTS[competition.subject]


def lock_subject_of(session: Session, competition_id: int) -> None:
    """Before a competition's row is locked: its subject's own locks, if it has any."""
    from sqlalchemy import select

    kind = session.scalar(select(Competition.subject).where(Competition.id == competition_id))
    if kind is not None and kind != REQUISITION and kind in SUBJECTS:
        SUBJECTS[kind].lock(session, competition_id)


def purchaser_follows(session: Session, user: User, competition: Competition) -> bool:
    """Whether the user's organization follows (and may award) the competition as purchaser."""
    subject = subject_of(competition)
    if subject is not None:
        return subject.purchaser_may_follow(session, user, competition)
    assert competition.requisition is not None
    return competition.requisition.purchaser_organization_id == user.organization_id


def lines_of(session: Session, competition: Competition) -> list[Any]:
    subject = subject_of(competition)
    if subject is None:
        assert competition.requisition is not None
        return list(competition.requisition.lines)
    return list(subject.lines(session, competition))


def requirement_text_of(session: Session, competition: Competition) -> str | None:
    subject = subject_of(competition)
    if subject is None:
        assert competition.requisition is not None
        return competition.requisition.requirement_text
    return subject.requirement_text(session, competition)


def start_competition(session: Session, profile: Profile, supplier_ids: list[int],
                      now: datetime, deadline: datetime, audit: dict[str, Any],
                      **columns: Any) -> Competition:
    """Add an open competition inviting the suppliers and record ``competition.open``.

    ``columns`` say what it is for (its requisition or subject, currency, method, ...) and
    ``audit`` what the audit event adds about them; every opening, whatever its subject,
    shares the rest so that invitations and the event stay the same for all.
    """
    competition = Competition(
        status=CompetitionStatus.open, deadline=deadline, sme_deduction=profile.sme_deduction,
        created_at=now,
        invitations=[CompetitionInvitation(supplier_id=s, invited_at=now)
                     for s in supplier_ids],
        **columns)
    session.add(competition)
    session.flush()
    record(session, action="competition.open", target_type="competition",
           target_id=competition.id, actor=None,
           after={**audit, "deadline": deadline, "invited": supplier_ids,
                  "sme_deduction": str(profile.sme_deduction)})
    return competition


def open_subject_competition(session: Session, kind: str, currency: str, profile: Profile,
                             supplier_ids: list[int], now: datetime,
                             deadline: datetime) -> Competition:
    """A lowest-price competition for a registered subject (not a requisition)."""
    return start_competition(session, profile, supplier_ids, now, deadline,
                             audit={"subject": kind}, requisition_id=None, subject=kind,
                             currency=currency, method="lowest_price")
