"""Opening a joint purchase, who may see it, and the listed offers it covers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, Role, User
from mall.audit.services import record
from mall.catalog.models import Agreement, AgreementStatus, Category, Lot, Offer, Product
from mall.catalog.visibility import is_visible, visible_clause
from mall.db import utcnow
from mall.errors import Forbidden, NotFound, RuleViolation
from mall.joint.models import JointPurchase, JointStatus
from mall.locks import for_update
from mall.orders.compliance.rules import region_covers
from mall.standards.models import Standard
from mall.standards.services import get_standard, refuse_blocked_requirement


def _problem(field: str, code: str, message: str) -> RuleViolation:
    return RuleViolation(message, code=code,
                         details={"problems": [{"field": field, "code": code,
                                                "message": message}]})


def is_center(user: User) -> bool:
    return user.organization.kind == OrganizationKind.center


def create_campaign(session: Session, user: User, data: dict[str, Any],
                    now: datetime | None = None) -> JointPurchase:
    """A new open campaign; the requirement text is checked as a requisition's is."""
    now = now or utcnow()
    if not (is_center(user) and user.has_role(Role.center_admin)) and not (
            user.organization.kind == OrganizationKind.purchaser and user.has_role(Role.buyer)):
        raise Forbidden("A center admin or a buyer opens joint purchases.",
                        code="role_required")
    agreement = session.scalar(select(Agreement).where(
        Agreement.number == data["agreement_number"]))
    if agreement is None:
        raise _problem("agreement_number", "unknown_agreement",
                       f"There is no agreement {data['agreement_number']!r}.")
    if agreement.status != AgreementStatus.active or not agreement.in_date(now.date()):
        raise _problem("agreement_number", "agreement_not_active",
                       f"Agreement {agreement.number} is not active today.")
    lot = next((lot for lot in agreement.lots if lot.code == data["lot_code"]), None)
    if lot is None:
        raise _problem("lot_code", "unknown_lot",
                       f"Agreement {agreement.number} has no lot {data['lot_code']!r}.")
    product, standard = _subject(session, lot, data)
    closes_at = data["closes_at"]
    if closes_at <= now:
        raise _problem("closes_at", "closes_in_past", "The closing time must be in the future.")
    if data["deliver_by"] < closes_at.date():
        raise _problem("deliver_by", "delivery_before_close",
                       "The delivery date cannot be before the closing time.")
    if data["deliver_by"] > agreement.ends_on:
        raise _problem("deliver_by", "delivery_after_agreement",
                       f"Agreement {agreement.number} ends on {agreement.ends_on}.")
    refuse_blocked_requirement(session, data.get("requirement_text"), lot.category.code)
    campaign = JointPurchase(
        title=data["title"].strip(), status=JointStatus.open,
        lead_organization_id=user.organization_id, created_by_id=user.id,
        agreement_id=agreement.id, lot_id=lot.id, category_id=lot.category_id,
        product_id=product.id if product else None,
        standard_id=standard.id if standard else None, currency=agreement.currency,
        closes_at=closes_at, deliver_by=data["deliver_by"],
        requirement_text=data.get("requirement_text") or None,
        regions=sorted(set((data.get("scope") or {}).get("regions") or [])),
        min_quantity=data.get("min_quantity"), created_at=now)
    session.add(campaign)
    session.flush()
    record(session, action="joint_purchase.create", target_type="joint_purchase",
           target_id=campaign.id, actor=user,
           after={"title": campaign.title, "agreement": agreement.number, "lot": lot.code,
                  "product_id": campaign.product_id, "standard_id": campaign.standard_id,
                  "closes_at": closes_at, "deliver_by": campaign.deliver_by,
                  "regions": campaign.regions, "min_quantity": campaign.min_quantity})
    return campaign


def _subject(session: Session, lot: Lot, data: dict[str, Any]
             ) -> tuple[Product | None, Standard | None]:
    """The product, or the standard's latest version, which must belong to the lot's
    category (or one below it)."""
    if bool(data.get("product_id")) == bool(data.get("standard_code")):
        raise _problem("product_id", "one_subject",
                       "Name either a product_id or a standard_code, not both.")
    lot_path = lot.category.path
    if data.get("product_id"):
        product = session.get(Product, data["product_id"])
        category = session.get(Category, product.category_id) if product else None
        if product is None or category is None or not category.path.startswith(lot_path):
            raise _problem("product_id", "product_not_in_lot",
                           f"Product {data['product_id']} is not in lot {lot.code}.")
        return product, None
    try:
        standard = get_standard(session, data["standard_code"])
    except NotFound:
        raise _problem("standard_code", "unknown_standard",
                       f"There is no standard {data['standard_code']!r}.") from None
    if not standard.category.path.startswith(lot_path):
        raise _problem("standard_code", "standard_not_in_lot",
                       f"Standard {standard.code} is not for lot {lot.code}'s category.")
    return None, standard


# --- who sees what -----------------------------------------------------------------------

def in_scope(campaign: JointPurchase, organization: Organization) -> bool:
    """The center sees every campaign; a purchaser those whose regions cover it (or all)."""
    if organization.kind == OrganizationKind.center:
        return True
    if organization.kind != OrganizationKind.purchaser:
        return False
    return (not campaign.regions or campaign.lead_organization_id == organization.id
            or region_covers(tuple(campaign.regions), organization.region))


def campaigns_query(status: str | None = None) -> Select[Any]:
    """Campaigns soonest closing first; ``visible_campaigns`` applies the scope.

    The scope is a JSON list of regions matched by prefix, so it is tested per row in Python
    rather than in SQL; campaigns are few (tens a year per center), not offers.
    """
    query = select(JointPurchase)
    if status:
        query = query.where(JointPurchase.status == status)
    return query.order_by(JointPurchase.closes_at, JointPurchase.id)


def visible_campaigns(session: Session, user: User, status: str | None = None
                      ) -> list[JointPurchase]:
    return [c for c in session.scalars(campaigns_query(status))
            if in_scope(c, user.organization)]


def campaign_for(session: Session, user: User, campaign_id: int,
                 lock: bool = False) -> JointPurchase:
    """One campaign the user may see (404 otherwise); ``lock`` takes its row first."""
    query = select(JointPurchase).where(JointPurchase.id == campaign_id)
    campaign = session.scalar(for_update(query) if lock else query)
    if campaign is None or not in_scope(campaign, user.organization):
        raise NotFound(f"Joint purchase {campaign_id} does not exist.",
                       code="joint_purchase_not_found")
    return campaign


def may_manage(campaign: JointPurchase, user: User) -> bool:
    """The lead's buyers and the center may close it and follow every commitment."""
    if is_center(user):
        return user.has_role(Role.center_admin)
    return (user.organization_id == campaign.lead_organization_id
            and user.has_role(Role.buyer))


# --- the offers a campaign covers ----------------------------------------------------------

def meets(requirements: list[dict[str, Any]], attributes: dict[str, Any]) -> bool:
    """Whether an offer's attributes meet every condition of a standard."""
    for condition in requirements:
        have, op, want = attributes.get(condition["attribute"]), condition["op"], \
            condition["value"]
        if have is None:
            return False
        try:
            if op == "eq" and have != want:
                return False
            if op == "in" and have not in want:
                return False
            if op == "gte" and Decimal(str(have)) < Decimal(str(want)):
                return False
            if op == "lte" and Decimal(str(have)) > Decimal(str(want)):
                return False
        except (ArithmeticError, TypeError, ValueError):
            return False
    return True


def covered_offers(session: Session, campaign: JointPurchase, today: date,
                   supplier_id: int | None = None) -> list[Offer]:
    """Visible offers under the campaign's lot for its item, cheapest first."""
    query = select(Offer).where(Offer.lot_id == campaign.lot_id, visible_clause(today))
    if supplier_id is not None:
        query = query.where(Offer.supplier_id == supplier_id)
    if campaign.product_id is not None:
        query = query.where(Offer.product_id == campaign.product_id)
    offers = [o for o in session.scalars(query.order_by(Offer.price, Offer.id))
              if is_visible(o, today)]
    if campaign.standard_id is not None:
        standard = session.get_one(Standard, campaign.standard_id)
        offers = [o for o in offers if meets(standard.requirements, o.attributes or {})]
    return offers


def lowest_listed(session: Session, campaign: JointPurchase, today: date,
                  region: str | None = None, supplier_id: int | None = None) -> Offer | None:
    """The cheapest covered offer (delivering to ``region``, when given)."""
    for offer in covered_offers(session, campaign, today, supplier_id):
        if region is None or region_covers(tuple(offer.regions or ()), region):
            return offer
    return None


def open_campaigns_for_page(offer: Offer | None = None,
                            standard: Standard | None = None) -> list[JointPurchase]:
    """For the offer and standard pages: open campaigns covering the item that the signed-in
    purchaser (or center) may join or follow. Empty for anyone else."""
    from flask_login import current_user

    from mall.db import db

    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is None:
        return []
    query = select(JointPurchase).where(JointPurchase.status == JointStatus.open,
                                        JointPurchase.closes_at > utcnow())
    if offer is not None:
        query = query.where(JointPurchase.lot_id == offer.lot_id, or_(
            JointPurchase.product_id == offer.product_id, JointPurchase.standard_id.in_(
                select(Standard.id))))
    elif standard is not None:
        query = query.where(JointPurchase.standard_id.in_(
            select(Standard.id).where(Standard.code == standard.code)))
    else:
        return []
    session = db.session()
    found = []
    for campaign in session.scalars(query.order_by(JointPurchase.closes_at)):
        if not in_scope(campaign, user.organization):
            continue
        if offer is not None and campaign.standard_id is not None:
            std = session.get_one(Standard, campaign.standard_id)
            if not meets(std.requirements, offer.attributes or {}):
                continue
        found.append(campaign)
    return found
