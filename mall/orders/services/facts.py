"""The facts the compliance engine decides on, gathered from the database.

The rules themselves (``mall.orders.compliance``) are pure; this module reads what they need:
each line's offer, supplier, agreement and ceiling, and the purchaser's earlier spend in the
same category within the profile's window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from mall.accounts.models import Organization, OrganizationStatus
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    AwardStatus,
    ItemCeiling,
    Lot,
    Offer,
)
from mall.catalog.services.offers import without_templates
from mall.catalog.services.prices import offer_ceiling
from mall.catalog.validation import effective_ceiling
from mall.money import to_cents
from mall.orders.compliance.profiles import Profile, profile_for
from mall.orders.compliance.rules import EarlierRequisition, LineFacts
from mall.orders.models import COUNTED_STATUSES, Requisition, RequisitionLine


@dataclass(frozen=True)
class Settings:
    """What the services need from the deployment's configuration."""

    jurisdiction: str
    sme_deduction: Decimal | None = None
    sme_reservation_fallback: str | None = None

    @classmethod
    def from_app_config(cls, config: Mapping[str, Any]) -> Settings:
        """The deployment's jurisdiction, SME deduction and SME reservation fallback."""
        share = config.get("MALL_SME_DEDUCTION")
        return cls(jurisdiction=config["MALL"].jurisdiction,
                   sme_deduction=Decimal(str(share)) if share is not None else None,
                   sme_reservation_fallback=config["MALL"].sme_reservation_fallback or None)


@cache
def _earlier_spend_statement(excluding: bool) -> Select[int, Decimal, datetime]:
    """``earlier_spend_query`` with its values as parameters (``organization_id``,
    ``category_id``, ``since``, ``exclude_requisition`` if ``excluding``): built once, as
    every decision runs it and building it costs more than executing it."""
    query = (
        select(RequisitionLine.requisition_id, func.sum(RequisitionLine.line_total),
               func.min(RequisitionLine.created_at))
        .join(Requisition, Requisition.id == RequisitionLine.requisition_id)
        .where(RequisitionLine.purchaser_organization_id == bindparam("organization_id"),
               RequisitionLine.category_id == bindparam("category_id"),
               RequisitionLine.created_at >= bindparam("since"),
               Requisition.status.in_([s.value for s in COUNTED_STATUSES]))
        .group_by(RequisitionLine.requisition_id)
        .order_by(RequisitionLine.requisition_id)
    )
    if excluding:
        query = query.where(RequisitionLine.requisition_id != bindparam("exclude_requisition"))
    return query


def _earlier_spend_params(organization_id: int, category_id: int, since: datetime,
                          exclude_requisition: int | None) -> dict[str, Any]:
    params: dict[str, Any] = {"organization_id": organization_id, "category_id": category_id,
                              "since": since}
    if exclude_requisition is not None:
        params["exclude_requisition"] = exclude_requisition
    return params


def earlier_spend_query(
    organization_id: int, category_id: int, since: datetime,
    exclude_requisition: int | None = None,
) -> Select[int, Decimal, datetime]:
    """Counted requisitions of the organization in the category since the window start.

    No upper bound: a concurrent requisition committed just before this one acquired the
    lock may carry a timestamp a moment later than this transaction's start. Served by the
    index (purchaser organization, category, created_at) on requisition_lines.
    """
    return _earlier_spend_statement(exclude_requisition is not None).params(
        _earlier_spend_params(organization_id, category_id, since, exclude_requisition))


def earlier_spend(
    session: Session, organization_id: int, category_id: int, since: datetime,
    exclude_requisition: int | None = None,
) -> list[EarlierRequisition]:
    """The rows of ``earlier_spend_query``, as the rules take them."""
    rows = session.execute(
        _earlier_spend_statement(exclude_requisition is not None),
        _earlier_spend_params(organization_id, category_id, since, exclude_requisition))
    return [EarlierRequisition(rid, to_cents(Decimal(amount)),
                               at.isoformat() if hasattr(at, "isoformat") else str(at))
            for rid, amount, at in rows]


@dataclass(frozen=True)
class OfferEligibility:
    """What one read says about an offer beyond its row: its supplier's award under its
    agreement (status, None: not awarded) and its item ceiling (None: none)."""

    award_status: str | None
    item_ceiling: Decimal | None

    @property
    def award_active(self) -> bool:
        return self.award_status == AwardStatus.active


def offers_with_eligibility(session: Session, offer_ids: Iterable[int]
                            ) -> dict[int, tuple[Offer, OfferEligibility]]:
    """The offers with their supplier, agreement, category and lot, and each one's award
    and item ceiling, in one statement (instead of a load of the agreement's awards, the lot
    and the item ceiling per offer)."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    return {offer.id: (offer, OfferEligibility(status, ceiling))
            for offer, status, ceiling in session.execute(_offers_with_eligibility_statement(),
                                                          {"offer_ids": ids})}


@cache
def _offers_with_eligibility_statement() -> Select[Offer, str | None, Decimal | None]:
    """The statement of ``offers_with_eligibility`` for the parameter ``offer_ids``: built
    once (building it took longer than the database's answer)."""
    return (
        select(Offer, AgreementSupplier.status, ItemCeiling.ceiling_price)
        .outerjoin(AgreementSupplier, and_(AgreementSupplier.agreement_id == Offer.agreement_id,
                                           AgreementSupplier.supplier_id == Offer.supplier_id))
        .outerjoin(ItemCeiling, and_(ItemCeiling.agreement_id == Offer.agreement_id,
                                     ItemCeiling.supplier_id == Offer.supplier_id,
                                     ItemCeiling.sku == Offer.sku))
        .where(Offer.id.in_(bindparam("offer_ids", expanding=True)))
        # The lot for its ceiling; its category is the offer's, already joined.
        .options(*without_templates(), joinedload(Offer.lot).lazyload(Lot.category))
    )


def line_facts(session: Session, offer: Offer, quantity: int,
               unit_price: Decimal | None = None,
               eligibility: OfferEligibility | None = None) -> LineFacts:
    """``eligibility``: the award and item ceiling read with the offer
    (``offers_with_eligibility``); without it they are read here."""
    if eligibility is None:
        awarded = session.get(AgreementSupplier,
                              (offer.agreement_id, offer.supplier_id)) is not None
        ceiling = offer_ceiling(session, offer)
    else:
        awarded = eligibility.award_status is not None
        ceiling = effective_ceiling(offer.lot.ceiling_price, eligibility.item_ceiling)
    agreement = offer.agreement
    return LineFacts(
        offer_id=offer.id, sku=offer.sku, category_id=offer.category_id, quantity=quantity,
        unit_price=offer.price if unit_price is None else unit_price, currency=offer.currency,
        offer_status=offer.status, offer_valid_until=offer.valid_until,
        supplier_status=offer.supplier.status, supplier_awarded=awarded,
        agreement_number=agreement.number, agreement_status=agreement.status,
        agreement_starts_on=agreement.starts_on, agreement_ends_on=agreement.ends_on,
        ceiling=ceiling, regions=tuple(offer.regions or ()),
        stock=offer.stock,
    )


def unlisted_line_facts(session: Session, line: RequisitionLine, supplier_id: int,
                        unit_price: Decimal, ceiling: Decimal | None) -> LineFacts:
    """A competition line the supplier quoted without an offer of its own (``listed=False``).

    Only the supplier, its award under the line's agreement, the agreement and the ceiling
    apply; there is no offer whose status, regions or stock could be checked.
    """
    supplier = session.get_one(Organization, supplier_id)
    agreement = session.get_one(Agreement, line.agreement_id)
    awarded = session.get(AgreementSupplier, (line.agreement_id, supplier_id)) is not None
    return LineFacts(
        offer_id=line.offer_id, sku=line.sku, category_id=line.category_id,
        quantity=line.quantity, unit_price=unit_price, currency=line.currency,
        offer_status="unlisted", offer_valid_until=agreement.ends_on,
        supplier_status=supplier.status, supplier_awarded=awarded,
        agreement_number=agreement.number, agreement_status=agreement.status,
        agreement_starts_on=agreement.starts_on, agreement_ends_on=agreement.ends_on,
        ceiling=ceiling, regions=(), stock=0, listed=False,
    )


def profile_of(organization: Organization, jurisdiction: str,
               sme_deduction: Decimal | None = None,
               sme_reservation_fallback: str | None = None) -> Profile:
    profile = profile_for(organization.jurisdiction, jurisdiction)
    if sme_deduction is not None:
        profile = profile.with_sme_deduction(sme_deduction)
    if sme_reservation_fallback:
        profile = profile.with_sme_fallback(sme_reservation_fallback)
    return profile


def offers_category_code(offers: dict[int, Offer], category_id: int) -> str:
    return next(o.category.code for o in offers.values() if o.category_id == category_id)


def eligible_competitors(session: Session, offers: list[Offer]) -> list[int]:
    """Active suppliers awarded (award not suspended) under every agreement the
    requisition's lines come from."""
    agreement_ids = {o.agreement_id for o in offers}
    ids: set[int] | None = None
    for agreement_id in agreement_ids:
        awarded = set(session.scalars(
            select(AgreementSupplier.supplier_id)
            .join(Organization, Organization.id == AgreementSupplier.supplier_id)
            .where(AgreementSupplier.agreement_id == agreement_id,
                   AgreementSupplier.status == AwardStatus.active,
                   Organization.status == OrganizationStatus.active)))
        ids = awarded if ids is None else ids & awarded
    return sorted(ids or ())
