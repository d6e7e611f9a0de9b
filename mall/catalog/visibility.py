"""When purchasers may see an offer: it, its supplier, its agreement and its award are active
and in date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, select

from mall.accounts.models import Organization, OrganizationStatus
from mall.catalog.models import (
    Agreement,
    AgreementStatus,
    AgreementSupplier,
    AwardStatus,
    Offer,
    OfferStatus,
)


def is_visible(offer: Offer, today: date, award_active: bool | None = None) -> bool:
    """``award_active``: whether the supplier's award under the offer's agreement is active,
    when the caller read it with the offer; None loads the agreement's awards to see."""
    agreement = offer.agreement
    return (
        offer.status == OfferStatus.active
        and offer.valid_until >= today
        and offer.supplier.status == OrganizationStatus.active
        and agreement.status == AgreementStatus.active
        and agreement.starts_on <= today <= agreement.ends_on
        and (award_active if award_active is not None else any(
            award.supplier_id == offer.supplier_id and award.status == AwardStatus.active
            for award in agreement.awards))
    )


def visible_clause(today: date) -> ColumnElement[bool]:
    """The same rule as SQL, for queries that join Offer with its supplier and agreement."""
    return and_(
        Offer.status == OfferStatus.active,
        Offer.valid_until >= today,
        Offer.supplier_id.in_(
            select(Organization.id).where(Organization.status == OrganizationStatus.active)
        ),
        Offer.agreement_id.in_(
            select(Agreement.id).where(
                Agreement.status == AgreementStatus.active,
                Agreement.starts_on <= today,
                Agreement.ends_on >= today,
            )
        ),
        Offer.agreement_id.in_(
            select(AgreementSupplier.agreement_id).where(
                AgreementSupplier.supplier_id == Offer.supplier_id,
                AgreementSupplier.status == AwardStatus.active,
            )
        ),
    )
