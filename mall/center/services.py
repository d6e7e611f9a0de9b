"""Page-level queries of the center's console (what a screen lists, with its counts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, OrganizationStatus
from mall.catalog.models import Agreement, AgreementSupplier, Lot, Offer, OfferStatus


def agreement_rows(session: Session, status: str | None = None,
                   q: str | None = None) -> list[dict[str, Any]]:
    """Every agreement with its lot, award and active-offer counts, newest first."""
    lots = (select(func.count()).select_from(Lot).where(Lot.agreement_id == Agreement.id)
            .scalar_subquery())
    awards = (select(func.count()).select_from(AgreementSupplier)
              .where(AgreementSupplier.agreement_id == Agreement.id).scalar_subquery())
    offers = (select(func.count()).select_from(Offer)
              .where(Offer.agreement_id == Agreement.id, Offer.status == OfferStatus.active)
              .scalar_subquery())
    query = select(Agreement, lots, awards, offers).order_by(Agreement.starts_on.desc(),
                                                            Agreement.id.desc())
    if status:
        query = query.where(Agreement.status == status)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Agreement.number.ilike(like) | Agreement.title.ilike(like))
    return [{"agreement": a, "lots": n_lots, "awards": n_awards, "offers": n_offers}
            for a, n_lots, n_awards, n_offers in session.execute(query.limit(500))]


def award_rows(session: Session, agreement: Agreement) -> list[dict[str, Any]]:
    """The agreement's awards with each supplier and its active offers under the agreement."""
    offers = (select(func.count()).select_from(Offer)
              .where(Offer.agreement_id == agreement.id,
                     Offer.supplier_id == AgreementSupplier.supplier_id,
                     Offer.status == OfferStatus.active).scalar_subquery())
    query = (select(AgreementSupplier, Organization, offers)
             .join(Organization, Organization.id == AgreementSupplier.supplier_id)
             .where(AgreementSupplier.agreement_id == agreement.id)
             .order_by(Organization.name))
    return [{"award": award, "supplier": org, "offers": n}
            for award, org, n in session.execute(query)]


def awardable_suppliers(session: Session, agreement: Agreement) -> list[Organization]:
    """Active suppliers not yet awarded under the agreement, for the add-award form."""
    awarded = select(AgreementSupplier.supplier_id).where(
        AgreementSupplier.agreement_id == agreement.id)
    return list(session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.supplier,
        Organization.status == OrganizationStatus.active,
        Organization.id.not_in(awarded)).order_by(Organization.name).limit(1000)))


def flag_rows(session: Session, kind: str | None = None, status: str | None = "open",
              limit: int = 200) -> list[dict[str, Any]]:
    """Flags newest first, with the organizations they name and the competition's buyer."""
    from mall.accounts.models import User
    from mall.orders.models import Competition, Flag, Requisition

    query = select(Flag).order_by(Flag.id.desc()).limit(limit)
    if kind:
        query = query.where(Flag.kind == kind)
    if status:
        query = query.where(Flag.status == status)
    flags = list(session.scalars(query))
    competition_ids = {f.competition_id for f in flags if f.competition_id}
    # The center cannot open a purchaser's competition page; the evidence links to the
    # audit trail of the competition and of its requisition instead.
    subjects = {cid: (org, rid) for cid, org, rid in session.execute(
        select(Competition.id, Requisition.purchaser_organization_id, Requisition.id)
        .join(Requisition, Requisition.id == Competition.requisition_id)
        .where(Competition.id.in_(competition_ids)))} if competition_ids else {}
    buyers = {cid: org for cid, (org, _rid) in subjects.items()}
    org_ids = {int(s) for f in flags for s in f.supplier_ids or []} | set(buyers.values()) | {
        f.purchaser_organization_id for f in flags if f.purchaser_organization_id}
    orgs = {o.id: o for o in session.scalars(
        select(Organization).where(Organization.id.in_(org_ids)))} if org_ids else {}
    resolver_ids = {f.resolved_by_id for f in flags if f.resolved_by_id}
    resolvers = {u.id: u for u in session.scalars(
        select(User).where(User.id.in_(resolver_ids)))} if resolver_ids else {}
    rows = []
    for flag in flags:
        buyer_id = flag.purchaser_organization_id or buyers.get(flag.competition_id or 0)
        rows.append({"flag": flag,
                     "suppliers": [orgs[int(s)] for s in flag.supplier_ids or []
                                   if int(s) in orgs],
                     "purchaser": orgs.get(buyer_id) if buyer_id else None,
                     "requisition_id": subjects.get(flag.competition_id or 0, (0, None))[1],
                     "resolver": resolvers.get(flag.resolved_by_id or 0)})
    return rows


def organization_rows(session: Session, kind: str | None = None, status: str | None = None,
                      q: str | None = None) -> list[Organization]:
    query = select(Organization).order_by(Organization.kind, Organization.name).limit(500)
    if kind:
        query = query.where(Organization.kind == kind)
    if status:
        query = query.where(Organization.status == status)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Organization.name.ilike(like)
                            | Organization.credit_code.ilike(like))
    return list(session.scalars(query))


def organization_history(session: Session, org: Organization,
                         limit: int = 200) -> list[Any]:
    """Audit events about the organization or any of its users, newest first."""
    from mall.accounts.models import User
    from mall.audit.models import AuditEvent

    user_ids = [str(i) for i in session.scalars(select(User.id).where(
        User.organization_id == org.id))]
    about = (AuditEvent.target_type == "organization") & (AuditEvent.target_id == str(org.id))
    if user_ids:
        about = about | ((AuditEvent.target_type == "user")
                         & AuditEvent.target_id.in_(user_ids))
    return list(session.scalars(select(AuditEvent).where(about)
                                .order_by(AuditEvent.id.desc()).limit(limit)))


def search_sync_state(session: Session, org: Organization) -> dict[str, Any] | None:
    """The supplier's latest outbox event: whether search has caught up with its status."""
    from mall.outbox.models import OutboxEvent

    if org.kind != OrganizationKind.supplier:
        return None
    event = session.scalar(select(OutboxEvent).where(
        OutboxEvent.entity_type == "supplier", OutboxEvent.entity_id == org.id)
        .order_by(OutboxEvent.id.desc()).limit(1))
    offers = session.scalar(select(func.count()).select_from(Offer).where(
        Offer.supplier_id == org.id, Offer.status == OfferStatus.active)) or 0
    return {"event": event, "active_offers": offers}


def price_context(session: Session, offer: Offer) -> dict[str, Any]:
    """What the center weighs a held rise against: the ceiling, the 30-day low, and the same
    product's live prices at other suppliers (min, median, max)."""
    from datetime import date
    from statistics import median

    from mall.catalog.services.prices import lowest_recent_price, offer_ceiling
    from mall.catalog.visibility import visible_clause

    others = sorted(session.scalars(select(Offer.price).where(
        Offer.product_id == offer.product_id, Offer.supplier_id != offer.supplier_id,
        Offer.currency == offer.currency, visible_clause(date.today()))))
    return {
        "ceiling": offer_ceiling(session, offer),
        "low_30d": lowest_recent_price(session, offer),
        "market": {"n": len(others), "min": others[0], "max": others[-1],
                   "median": median(others)} if others else {"n": 0},
    }


def price_history(session: Session, offer: Offer, limit: int = 200) -> list[Any]:
    """The offer's price changes, oldest first (the last ``limit``)."""
    from mall.catalog.models import PriceChange

    rows = list(session.scalars(select(PriceChange).where(PriceChange.offer_id == offer.id)
                                .order_by(PriceChange.changed_at.desc(), PriceChange.id.desc())
                                .limit(limit)))
    return rows[::-1]


AUDIT_LINKS = {"agreement", "organization", "user", "flag", "price_change"}


def audit_query(session: Session, who: str | None = None, action: str | None = None,
                target_type: str | None = None, target_id: str | None = None,
                start: Any = None, end: Any = None, before: int | None = None) -> Any:
    """The trail filtered: ``who`` is a user id or an e-mail, ``action`` a prefix
    (``agreement.`` finds every agreement change), dates are inclusive days (UTC)."""
    from datetime import UTC, datetime, time, timedelta

    from mall.accounts.models import User
    from mall.audit.models import AuditEvent

    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if who:
        who = who.strip()
        if who.isdigit():
            query = query.where(AuditEvent.actor_user_id == int(who))
        elif who == "system":
            query = query.where(AuditEvent.actor_user_id.is_(None))
        else:
            query = query.where(AuditEvent.actor_user_id.in_(
                select(User.id).where(User.email.ilike(f"%{who}%"))))
    if action:
        query = query.where(AuditEvent.action.startswith(action.strip(), autoescape=True))
    if target_type:
        query = query.where(AuditEvent.target_type == target_type.strip())
    if target_id:
        query = query.where(AuditEvent.target_id == target_id.strip())
    if start is not None:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(start, time(), UTC))
    if end is not None:
        query = query.where(AuditEvent.occurred_at
                            < datetime.combine(end + timedelta(days=1), time(), UTC))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    return query


def audit_context(session: Session, events: list[Any]) -> dict[str, Any]:
    """Names for the trail: actors, agreement numbers and users' organizations."""
    from mall.accounts.models import User
    from mall.catalog.models import Agreement

    user_ids = {e.actor_user_id for e in events if e.actor_user_id} | {
        int(e.target_id) for e in events if e.target_type == "user" and e.target_id.isdigit()}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} \
        if user_ids else {}
    agreement_ids = {int(e.target_id) for e in events
                     if e.target_type == "agreement" and e.target_id.isdigit()}
    numbers = {i: n for i, n in session.execute(select(Agreement.id, Agreement.number).where(
        Agreement.id.in_(agreement_ids)))} if agreement_ids else {}
    return {"users": users, "agreements": numbers}
