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
