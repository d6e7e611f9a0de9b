"""Commitments: a purchaser's quantity and delivery region, changeable until the close.

Each commit runs the purchaser's own rules over its share at the latest (lowest) listed
price, under the joint purchase's row lock and then the (purchaser, category) lock, so the
preview is what the award would decide now; a share it could never place is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import OrganizationKind, Role, User
from mall.audit.services import record
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, NotFound, RuleViolation
from mall.joint.models import JointCommitment, JointPurchase, JointStatus
from mall.joint.services.campaigns import campaign_for, lowest_listed
from mall.joint.services.own_rules import decide_share, reasons, share_facts, summary
from mall.locks import lock_purchaser_categories
from mall.orders.compliance.outcomes import Route
from mall.orders.compliance.rules import region_covers
from mall.orders.models import MAX_LINE_QUANTITY
from mall.orders.services.competitions import aware
from mall.orders.services.facts import Settings


def require_buyer(user: User) -> None:
    if user.organization.kind != OrganizationKind.purchaser or not user.has_role(Role.buyer):
        raise Forbidden("Only a purchaser's buyer commits to a joint purchase.",
                        code="role_required")


def taking_commitments(campaign: JointPurchase, now: datetime) -> None:
    """409 unless the campaign is open and before its closing time (checked under its lock)."""
    if campaign.status != JointStatus.open or now >= aware(campaign.closes_at):
        raise Conflict("The joint purchase is closed for commitments.",
                       code="joint_purchase_closed",
                       details={"status": campaign.status,
                                "closes_at": aware(campaign.closes_at).isoformat()})


def own_commitment(campaign: JointPurchase, organization_id: int) -> JointCommitment | None:
    return next((c for c in campaign.commitments
                 if c.purchaser_organization_id == organization_id), None)


def commit(session: Session, settings: Settings, user: User, campaign_id: int, quantity: int,
           delivery_region: str | None, now: datetime | None = None) -> JointCommitment:
    """Create or change the purchaser's commitment; refused (422) if its rules block it."""
    require_buyer(user)
    campaign = campaign_for(session, user, campaign_id, lock=True)  # the first lock
    org = user.organization
    region = delivery_region or org.region
    if not region_covers((org.region, org.region.split("-")[0]), region):
        raise RuleViolation(f"Delivery goes to your own region ({org.region}).",
                            code="delivery_region_outside",
                            details={"problems": [{"field": "delivery_region",
                                                   "code": "delivery_region_outside",
                                                   "message": f"Deliver within {org.region}."}]})
    if quantity > MAX_LINE_QUANTITY:
        raise RuleViolation(f"At most {MAX_LINE_QUANTITY:,} per commitment.",
                            code="quantity_above_limit")
    lock_purchaser_categories(session, org.id, [campaign.category_id])
    now = now or utcnow()
    taking_commitments(campaign, now)
    offer = lowest_listed(session, campaign, now.date(), region=region)
    if offer is None:
        raise RuleViolation("No listed offer for this item delivers to your region.",
                            code="no_listed_offer", details={"delivery_region": region})
    facts = share_facts(session, settings, org, offer, quantity, offer.price, region, now,
                        check_stock=False)
    decision = decide_share(facts)
    if decision.route == Route.blocked:
        raise RuleViolation(
            "Your share could not be placed under your organization's rules: "
            + " ".join(r.message_en for r in decision.results
                       if r.outcome in (Route.blocked, "counted")),
            code="commitment_refused", details={"reasons": reasons(decision)})
    preview = summary(decision, offer.price)
    existing = own_commitment(campaign, org.id)
    before = None if existing is None else {"quantity": existing.quantity,
                                            "delivery_region": existing.delivery_region}
    if existing is None:
        existing = JointCommitment(
            joint_purchase_id=campaign.id, purchaser_organization_id=org.id,
            committed_by_id=user.id, quantity=quantity, delivery_region=region,
            preview=preview, created_at=now, updated_at=now)
        campaign.commitments.append(existing)
    else:
        existing.quantity, existing.delivery_region = quantity, region
        existing.preview, existing.committed_by_id, existing.updated_at = preview, user.id, now
    session.flush()
    record(session, action="joint_commitment.update" if before else "joint_commitment.create",
           target_type="joint_purchase", target_id=campaign.id, actor=user, before=before,
           after={"organization_id": org.id, "quantity": quantity, "delivery_region": region,
                  "route": preview["route"], "unit_price": preview["unit_price"]})
    return existing


def withdraw(session: Session, user: User, campaign_id: int,
             now: datetime | None = None) -> JointPurchase:
    require_buyer(user)
    campaign = campaign_for(session, user, campaign_id, lock=True)
    now = now or utcnow()
    taking_commitments(campaign, now)
    existing = own_commitment(campaign, user.organization_id)
    if existing is None:
        raise NotFound("You have no commitment to this joint purchase.",
                       code="commitment_not_found")
    campaign.commitments.remove(existing)
    session.flush()
    record(session, action="joint_commitment.withdraw", target_type="joint_purchase",
           target_id=campaign.id, actor=user,
           before={"organization_id": user.organization_id, "quantity": existing.quantity},
           after=None)
    return campaign


def total_quantity(session: Session, campaign_id: int) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.coalesce(func.sum(JointCommitment.quantity), 0))
                              .where(JointCommitment.joint_purchase_id == campaign_id)) or 0)
