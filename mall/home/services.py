"""Each role's to-do list: what waits for this user, section by section.

One section per queue the user's roles give them, each with the number of items waiting and
the first few (oldest first: what has waited longest comes first). Every query is scoped to
the user's own organization (a center admin's queues are the center's, which covers every
organization). The HTML page and ``GET /api/v1/me/tasks`` read the same sections; links are
made by the caller (``mall.home.serializers``), so nothing here needs a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from mall.accounts.models import OrganizationKind, Role, User
from mall.audit.models import AuditEvent
from mall.catalog.models import FeedImport, FeedImportStatus, Offer, PriceChange, PriceChangeStatus
from mall.catalog.services.prices import price_reviews_query
from mall.db import utcnow
from mall.evaluation.models import PanelMember
from mall.orders.compliance.outcomes import Route
from mall.orders.models import (
    Approval,
    Competition,
    CompetitionInvitation,
    CompetitionStatus,
    Flag,
    FlagStatus,
    OrderStatus,
    PurchaseOrder,
    Quote,
    Requisition,
    RequisitionStatus,
)

DEFAULT_ITEMS = 20
MAX_ITEMS = 100
# A feed import with refused rows stays on the list this long, unless a clean import follows.
FEED_ATTENTION_DAYS = 30
# The auditor's entry counts the audit events of this many recent days.
AUDIT_RECENT_DAYS = 7


@dataclass(frozen=True)
class Task:
    """One thing to act on. ``kind`` says which page acts on it (``serializers.page_url``)."""

    kind: str
    id: int
    status: str | None = None
    at: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None
    ref: str | None = None  # e.g. a SKU, or the action waiting ("confirm", "ship")
    count: int | None = None  # e.g. refused rows of a feed


@dataclass(frozen=True)
class Section:
    """One queue: ``key`` names it; ``role`` is the role that gives it."""

    key: str
    role: str
    count: int
    items: list[Task] = field(default_factory=list)


def _count(session: Session, query: Any) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def _section(session: Session, key: str, role: str, query: Any, limit: int,
             make: Any) -> Section:
    rows = session.execute(query.limit(limit)).all()
    return Section(key, role, _count(session, query), [make(*row) for row in rows])


# --- purchasers ---------------------------------------------------------------------------

def awaiting_my_approval(user: User) -> Select[Any]:
    """Requisitions of the user's organization that wait for an approval decision the user
    may still give: not their own, not already decided by them."""
    mine = exists().where(Approval.requisition_id == Requisition.id,
                          Approval.approver_id == user.id)
    return (select(Requisition)
            .where(Requisition.purchaser_organization_id == user.organization_id,
                   Requisition.status == RequisitionStatus.pending,
                   Requisition.route == Route.approval,
                   Requisition.requester_id != user.id, ~mine)
            .order_by(Requisition.created_at, Requisition.id))


def my_open_requisitions(user: User) -> Select[Any]:
    """The user's own requisitions still pending (in approval or in competition)."""
    return (select(Requisition)
            .where(Requisition.purchaser_organization_id == user.organization_id,
                   Requisition.requester_id == user.id,
                   Requisition.status == RequisitionStatus.pending)
            .order_by(Requisition.created_at, Requisition.id))


def deliveries_to_accept(user: User) -> Select[Any]:
    """Delivered orders of the user's own requisitions, waiting for acceptance."""
    return (select(PurchaseOrder).join(Requisition,
                                       Requisition.id == PurchaseOrder.requisition_id)
            .where(PurchaseOrder.purchaser_organization_id == user.organization_id,
                   Requisition.requester_id == user.id,
                   PurchaseOrder.status == OrderStatus.delivered)
            .order_by(PurchaseOrder.updated_at, PurchaseOrder.id))


def _requisition_task(r: Requisition) -> Task:
    return Task("requisition", r.id, r.route if r.status == RequisitionStatus.pending
                else r.status, r.created_at, r.total, r.currency)


def _order_task(o: PurchaseOrder, waiting: str | None = None) -> Task:
    return Task("purchaser_order", o.id, o.status, o.updated_at, o.total, o.currency,
                ref=waiting)


# --- suppliers ----------------------------------------------------------------------------

# What the supplier does next to an order in each status.
SUPPLIER_NEXT_ACTION = {OrderStatus.placed: "confirm", OrderStatus.confirmed: "ship"}


def orders_to_confirm_or_ship(user: User) -> Select[Any]:
    return (select(PurchaseOrder)
            .where(PurchaseOrder.supplier_id == user.organization_id,
                   PurchaseOrder.status.in_(list(SUPPLIER_NEXT_ACTION)))
            .order_by(PurchaseOrder.created_at, PurchaseOrder.id))


def invitations_to_quote(user: User, now: datetime) -> Select[Any]:
    """Open competitions the supplier was invited to, still quoting, not yet quoted."""
    quoted = exists().where(Quote.competition_id == Competition.id,
                            Quote.supplier_id == user.organization_id)
    return (select(Competition).join(CompetitionInvitation,
                                     CompetitionInvitation.competition_id == Competition.id)
            .where(CompetitionInvitation.supplier_id == user.organization_id,
                   Competition.status == CompetitionStatus.open,
                   Competition.deadline > now,
                   or_(Competition.closed_at.is_(None), Competition.closed_at > now),
                   ~quoted)
            .order_by(Competition.deadline, Competition.id))


def feeds_with_refused_rows(user: User, now: datetime) -> Select[Any]:
    """Recent feed imports that refused rows (or failed), since the last clean import."""
    clean = (select(func.coalesce(func.max(FeedImport.id), 0))
             .where(FeedImport.supplier_id == user.organization_id,
                    FeedImport.status == FeedImportStatus.completed,
                    FeedImport.rows_rejected == 0).scalar_subquery())
    return (select(FeedImport)
            .where(FeedImport.supplier_id == user.organization_id,
                   or_(FeedImport.rows_rejected > 0,
                       FeedImport.status == FeedImportStatus.failed),
                   FeedImport.id > clean,
                   FeedImport.created_at >= now - timedelta(days=FEED_ATTENTION_DAYS))
            .order_by(FeedImport.id.desc()))


def refused_price_changes(user: User) -> Select[PriceChange, Offer]:
    """The supplier's offers whose latest price change the center refused (the offer keeps
    its old price until the supplier sets another)."""
    latest = (select(func.max(PriceChange.id)).join(Offer, Offer.id == PriceChange.offer_id)
              .where(Offer.supplier_id == user.organization_id)
              .group_by(PriceChange.offer_id))
    return (select(PriceChange, Offer).join(Offer, Offer.id == PriceChange.offer_id)
            .where(PriceChange.id.in_(latest), PriceChange.status == PriceChangeStatus.refused,
                   Offer.supplier_id == user.organization_id)
            .order_by(PriceChange.reviewed_at, PriceChange.id))


# --- the center, auditors, experts --------------------------------------------------------

def open_flags() -> Select[Any]:
    return select(Flag).where(Flag.status == FlagStatus.open).order_by(Flag.created_at, Flag.id)


def evaluations_to_score(user: User) -> Select[Any]:
    return (select(PanelMember).where(PanelMember.expert_id == user.id,
                                      PanelMember.submitted_at.is_(None))
            .order_by(PanelMember.id))


def audit_entry(session: Session, user: User, now: datetime) -> Section:
    """Read-only: the ways into what the auditor may read; the section's count is the audit
    events of the last days in their scope (the center: everyone; an agency: its own users)."""
    recent = select(AuditEvent).where(
        AuditEvent.occurred_at >= now - timedelta(days=AUDIT_RECENT_DAYS))
    if user.organization.kind == OrganizationKind.center:
        items = [Task("center_audit", 0), Task("center_flags", 0,
                                                count=_count(session, open_flags())),
                 Task("center_reports", 0), Task("center_accountability", 0)]
    else:
        recent = recent.where(AuditEvent.actor_organization_id == user.organization_id)
        org = user.organization_id
        items = [
            Task("org_requisitions", 0, count=_count(session, select(Requisition).where(
                Requisition.purchaser_organization_id == org))),
            Task("org_orders", 0, count=_count(session, select(PurchaseOrder).where(
                PurchaseOrder.purchaser_organization_id == org))),
            Task("org_competitions", 0)]
    return Section("audit", Role.auditor, _count(session, recent), items)


# --- all of it ----------------------------------------------------------------------------

def tasks_for(session: Session, user: User, limit: int = DEFAULT_ITEMS,
              now: datetime | None = None) -> list[Section]:
    """Every section the user's roles give, in a fixed order; empty sections included."""
    now = now or utcnow()
    limit = max(1, min(limit, MAX_ITEMS))
    kind = user.organization.kind
    sections: list[Section] = []
    if kind == OrganizationKind.purchaser and user.has_role(Role.approver):
        sections.append(_section(session, "approvals", Role.approver,
                                 awaiting_my_approval(user), limit, _requisition_task))
    if kind == OrganizationKind.purchaser and user.has_role(Role.buyer):
        sections.append(_section(session, "my_requisitions", Role.buyer,
                                 my_open_requisitions(user), limit, _requisition_task))
        sections.append(_section(session, "deliveries", Role.buyer,
                                 deliveries_to_accept(user), limit,
                                 lambda o: _order_task(o, "accept")))
    if kind == OrganizationKind.supplier and user.has_role(Role.supplier_admin):
        sections.append(_section(
            session, "supplier_orders", Role.supplier_admin, orders_to_confirm_or_ship(user),
            limit, lambda o: Task("supplier_order", o.id, o.status, o.created_at, o.total,
                                  o.currency, ref=SUPPLIER_NEXT_ACTION[o.status])))
        sections.append(_section(
            session, "invitations", Role.supplier_admin, invitations_to_quote(user, now),
            limit, lambda c: Task("supplier_competition", c.id, c.status, c.deadline,
                                  currency=c.currency)))
        sections.append(_section(
            session, "feeds", Role.supplier_admin, feeds_with_refused_rows(user, now), limit,
            lambda f: Task("feed", f.id, f.status, f.created_at, count=f.rows_rejected)))
        sections.append(_section(
            session, "refused_prices", Role.supplier_admin, refused_price_changes(user), limit,
            lambda c, o: Task("offer", o.id, c.status, c.reviewed_at or c.changed_at,
                              c.new_price, o.currency, ref=o.sku)))
    if kind == OrganizationKind.center and user.has_role(Role.center_admin):
        sections.append(_section(
            session, "price_reviews", Role.center_admin, price_reviews_query(), limit,
            lambda c, o: Task("price_review", c.id, c.status, c.changed_at, c.new_price,
                              o.currency, ref=o.sku)))
        sections.append(_section(
            session, "flags", Role.center_admin, open_flags(), limit,
            lambda f: Task("flag", f.id, f.kind, f.created_at)))
    if kind == OrganizationKind.center and user.has_role(Role.expert):
        sections.append(_section(
            session, "evaluations", Role.expert, evaluations_to_score(user), limit,
            lambda m: Task("evaluation", m.id, None, None, ref=str(m.competition_id))))
    if user.has_role(Role.auditor):
        sections.append(audit_entry(session, user, now))
    return sections
