"""The kinds of contracting process published, each with the query that finds its processes.

Every kind names itself in the ocid (``{prefix}-{code}-{key}``) and gives two functions:

- ``activity()``: a query of ``(key, at)`` per published process, ``at`` being the date of its
  newest release, so that ``since=`` and paging are answered by the database;
- ``build(session, prefix, keys)``: the releases of those processes, loaded in bulk.

Adding a kind of call-off is one more ``ProcessKind`` passed to ``register`` at the bottom of
this module: its activity query and a loader that hands the rows to a builder in ``builders``
(or, for joint purchases, ``joint``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from mall.accounts.models import Organization, OrganizationKind
from mall.catalog.models import Agreement, AgreementSupplier, Category, ItemCeiling, Lot, Offer
from mall.joint.models import JointCommitment, JointPurchase
from mall.ocds.services import builders, joint
from mall.ocds.services.builders import Context, Release
from mall.orders.models import Competition, PurchaseOrder, Requisition

Built = Iterator[tuple[int, list[Release]]]


@dataclass(frozen=True)
class ProcessKind:
    code: str
    activity: Callable[[], Select[Any, Any]]
    build: Callable[[Session, str, Sequence[int]], Built]


KINDS: dict[str, ProcessKind] = {}


def register(kind: ProcessKind) -> None:
    KINDS[kind.code] = kind


def latest(*columns: Any) -> ColumnElement[Any]:
    """The latest non-null time of several (GREATEST, portable to SQLite)."""
    result: ColumnElement[Any] = columns[0]
    for column in columns[1:]:
        result = case((column > result, column), else_=result)
    return result


def grouped(rows: Iterable[Any], key: Callable[[Any], int]) -> dict[int, list[Any]]:
    """Rows by the process they belong to (one pass, not one scan per process)."""
    groups: dict[int, list[Any]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def context(session: Session, prefix: str, organization_ids: Iterable[int] = (),
            category_ids: Iterable[int] = (), agreement_ids: Iterable[int] = ()) -> Context:
    """The rows a batch of releases references, each loaded once."""
    center = session.scalar(select(Organization).where(
        Organization.kind == OrganizationKind.center).order_by(Organization.id).limit(1))

    def by_id(model: Any, ids: Iterable[int]) -> dict[int, Any]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        # Only the rows themselves: their eager relationships (lots, attribute templates)
        # are not published.
        return {row.id: row for row in session.scalars(select(model).where(
            model.id.in_(wanted)).options(lazyload("*")))}

    return Context(prefix=prefix, center=center,
                   organizations=by_id(Organization, organization_ids),
                   categories=by_id(Category, category_ids),
                   agreements=by_id(Agreement, agreement_ids))


# --- framework agreements -------------------------------------------------------------------

def _framework_activity() -> Select[Any, Any]:
    awarded = (select(AgreementSupplier.agreement_id.label("key"),
                      func.max(AgreementSupplier.awarded_at).label("at"))
               .group_by(AgreementSupplier.agreement_id).subquery())
    return (select(Agreement.id.label("key"), latest(Agreement.created_at, awarded.c.at)
                   .label("at"))
            .outerjoin(awarded, awarded.c.key == Agreement.id))


def _framework_build(session: Session, prefix: str, keys: Sequence[int]) -> Built:
    agreements = session.scalars(select(Agreement).where(Agreement.id.in_(keys))
                                 .options(selectinload(Agreement.awards))
                                 .order_by(Agreement.id)).all()
    ceilings = session.scalars(select(ItemCeiling).where(ItemCeiling.agreement_id.in_(keys))
                               .order_by(ItemCeiling.id)).all()
    titles: dict[tuple[int, str], str] = {}
    if ceilings:
        rows = session.execute(select(Offer.supplier_id, Offer.sku, Offer.title).where(
            Offer.agreement_id.in_(keys),
            Offer.sku.in_(sorted({c.sku for c in ceilings}))))
        titles = {(s, sku): title for s, sku, title in rows}
    ctx = context(session, prefix,
                  organization_ids=[a.supplier_id for ag in agreements for a in ag.awards],
                  category_ids=[lot.category_id for ag in agreements for lot in ag.lots])
    by_agreement = grouped(ceilings, lambda c: c.agreement_id)
    for agreement in agreements:
        yield agreement.id, builders.framework_releases(
            ctx, agreement, agreement.awards, by_agreement.get(agreement.id, []), titles)


# --- call-offs ------------------------------------------------------------------------------

def _call_off_context(session: Session, prefix: str, requisitions: Iterable[Requisition],
                      supplier_ids: Iterable[int]) -> Context:
    requisitions = list(requisitions)
    lines = [line for r in requisitions for line in r.lines]
    return context(
        session, prefix,
        organization_ids=[*(r.purchaser_organization_id for r in requisitions), *supplier_ids],
        category_ids=[line.category_id for line in lines],
        agreement_ids=[line.agreement_id for line in lines])


def _direct_activity() -> Select[Any, Any]:
    """Requisitions ordered without a competition (direct, approved or by rotation).

    A joint purchase participant's requisition is not one: its order (placed at the award,
    or later once its own approvers approve) is a contract of the joint purchase's process.
    """
    return (select(PurchaseOrder.requisition_id.label("key"),
                   func.max(PurchaseOrder.updated_at).label("at"))
            .join(Requisition, Requisition.id == PurchaseOrder.requisition_id)
            .where(PurchaseOrder.competition_id.is_(None),
                   Requisition.joint_purchase_id.is_(None),
                   ~exists().where(Competition.requisition_id == PurchaseOrder.requisition_id))
            .group_by(PurchaseOrder.requisition_id))


def _direct_build(session: Session, prefix: str, keys: Sequence[int]) -> Built:
    requisitions = session.scalars(select(Requisition).where(Requisition.id.in_(keys))
                                   .order_by(Requisition.id)).all()
    orders = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id.in_(keys), PurchaseOrder.competition_id.is_(None))
        .order_by(PurchaseOrder.id)).all()
    ctx = _call_off_context(session, prefix, requisitions, [o.supplier_id for o in orders])
    by_requisition = grouped(orders, lambda o: o.requisition_id)
    for requisition in requisitions:
        yield requisition.id, builders.direct_releases(
            ctx, requisition, by_requisition.get(requisition.id, []))


def _competition_activity() -> Select[Any, Any]:
    """Every competition: it was published to its invitees when it opened."""
    ordered = (select(PurchaseOrder.competition_id.label("key"),
                      func.max(PurchaseOrder.updated_at).label("at"))
               .where(PurchaseOrder.competition_id.is_not(None))
               .group_by(PurchaseOrder.competition_id).subquery())
    return (select(Competition.id.label("key"),
                   latest(Competition.created_at, Competition.awarded_at,
                          Competition.cancelled_at, ordered.c.at).label("at"))
            .outerjoin(ordered, ordered.c.key == Competition.id)
            # A requisition's second stage; a joint purchase's competition is published as
            # the joint purchase's process (below).
            .where(Competition.requisition_id.is_not(None)))


def _competition_build(session: Session, prefix: str, keys: Sequence[int]) -> Built:
    competitions = session.scalars(
        select(Competition).where(Competition.id.in_(keys))
        .options(selectinload(Competition.requisition), selectinload(Competition.quotes))
        .order_by(Competition.id)).all()
    orders = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.competition_id.in_(keys)).order_by(PurchaseOrder.id)).all()
    ctx = _call_off_context(
        session, prefix, [c.requisition for c in competitions if c.requisition is not None],
        [*(q.supplier_id for c in competitions for q in c.quotes),
         *(o.supplier_id for o in orders)])
    by_competition = grouped(orders, lambda o: o.competition_id)
    for competition in competitions:
        yield competition.id, builders.competition_releases(
            ctx, competition, competition.quotes, by_competition.get(competition.id, []))


def _joint_orders() -> Select[int, int, datetime]:
    """(campaign, order) of every participant's purchase order."""
    return (select(JointCommitment.joint_purchase_id.label("campaign"),
                   PurchaseOrder.id.label("order"), PurchaseOrder.updated_at.label("at"))
            .join(PurchaseOrder, PurchaseOrder.requisition_id == JointCommitment.requisition_id))


def _joint_activity() -> Select[Any, Any]:
    """Campaigns closed into a competition: announced to the framework's suppliers."""
    orders = _joint_orders().subquery()
    ordered = (select(orders.c.campaign.label("key"), func.max(orders.c.at).label("at"))
               .group_by(orders.c.campaign).subquery())
    return (select(JointPurchase.id.label("key"),
                   latest(JointPurchase.closed_at, Competition.awarded_at,
                          Competition.cancelled_at, ordered.c.at).label("at"))
            .join(Competition, Competition.id == JointPurchase.competition_id)
            .outerjoin(ordered, ordered.c.key == JointPurchase.id)
            .where(JointPurchase.closed_at.is_not(None)))


def _joint_build(session: Session, prefix: str, keys: Sequence[int]) -> Built:
    campaigns = session.scalars(select(JointPurchase).where(JointPurchase.id.in_(keys))
                                .options(lazyload("*")).order_by(JointPurchase.id)).all()
    competition_ids = [c.competition_id for c in campaigns if c.competition_id is not None]
    competitions = {c.id: c for c in session.scalars(
        select(Competition).where(Competition.id.in_(competition_ids))
        .options(selectinload(Competition.quotes)))}
    lots = {lot.id: lot for lot in session.scalars(select(Lot).where(
        Lot.id.in_(sorted({c.lot_id for c in campaigns}))).options(lazyload("*")))}
    links = _joint_orders().where(JointCommitment.joint_purchase_id.in_(keys)).subquery()
    order_campaign = {int(o): int(c) for c, o in session.execute(
        select(links.c.campaign, links.c.order))}
    orders = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.id.in_(sorted(order_campaign))).order_by(PurchaseOrder.id)).all()
    ctx = context(
        session, prefix,
        organization_ids=[*(c.lead_organization_id for c in campaigns),
                          *(q.supplier_id for c in competitions.values() for q in c.quotes),
                          *(o.purchaser_organization_id for o in orders),
                          *(o.supplier_id for o in orders)],
        category_ids=[c.category_id for c in campaigns],
        agreement_ids=[c.agreement_id for c in campaigns])
    by_campaign = grouped(orders, lambda o: order_campaign[o.id])
    for campaign in campaigns:
        competition = competitions.get(campaign.competition_id or 0)
        if competition is None:
            continue
        yield campaign.id, joint.joint_releases(
            ctx, campaign, lots.get(campaign.lot_id), competition, competition.quotes,
            by_campaign.get(campaign.id, []))


# The one place where kinds are registered; the order is the order of pages and exports.
register(ProcessKind("agreement", _framework_activity, _framework_build))
register(ProcessKind("order", _direct_activity, _direct_build))
register(ProcessKind("competition", _competition_activity, _competition_build))
register(ProcessKind("joint", _joint_activity, _joint_build))
