"""Closing a joint purchase: failed below its minimum, else one competition for the total.

Closed by the lead or the center at any time while open, and by the worker's
``close-joint-purchases`` task once ``closes_at`` has passed. The row lock taken first makes
a commitment either land before the close (and count) or be refused after it.

There is no notifications table yet: everyone concerned is told through an audit event
``joint_purchase.notify`` per organization (target_type ``organization``), which a later
inbox can list.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus, User
from mall.audit.services import record
from mall.catalog.models import AgreementSupplier
from mall.db import utcnow
from mall.errors import Conflict, Forbidden
from mall.joint.models import JointPurchase, JointStatus
from mall.joint.services.campaigns import campaign_for, lowest_listed, may_manage
from mall.locks import for_update
from mall.orders.services.competition_subjects import open_subject_competition
from mall.orders.services.facts import Settings, profile_of

SUBJECT = "joint_purchase"


def notify(session: Session, campaign: JointPurchase, message: str,
           extra: dict[str, Any] | None = None) -> None:
    """Tell the lead and every participant (audit events a later inbox reads)."""
    orgs = sorted({campaign.lead_organization_id}
                  | {c.purchaser_organization_id for c in campaign.commitments})
    for org_id in orgs:
        record(session, action="joint_purchase.notify", target_type="organization",
               target_id=org_id, actor=None,
               after={"joint_purchase_id": campaign.id, "status": campaign.status,
                      "message": message, **(extra or {})})


def close_by(session: Session, settings: Settings, user: User, campaign_id: int,
             now: datetime | None = None) -> JointPurchase:
    """The lead or the center closes the campaign now."""
    campaign = campaign_for(session, user, campaign_id, lock=True)
    if not may_manage(campaign, user):
        raise Forbidden("Only the lead's buyers or the center close a joint purchase.",
                        code="not_lead")
    return close(session, settings, campaign, user, now or utcnow())


def close(session: Session, settings: Settings, campaign: JointPurchase, actor: User | None,
          now: datetime) -> JointPurchase:
    """Close a locked, open campaign."""
    if campaign.status != JointStatus.open:
        raise Conflict(f"The joint purchase is {campaign.status}.",
                       code="joint_purchase_not_open")
    total = sum(c.quantity for c in campaign.commitments)
    campaign.total_quantity, campaign.closed_at = total, now
    reference = lowest_listed(session, campaign, now.date())
    campaign.reference_price = reference.price if reference else None
    failure = None
    if not campaign.commitments:
        failure = "Nobody committed to the joint purchase."
    elif campaign.min_quantity and total < campaign.min_quantity:
        failure = (f"The commitments total {total}, below the minimum quantity "
                   f"{campaign.min_quantity}.")
    listed = {} if failure else listed_prices(session, campaign, now)
    if failure is None and not listed:
        failure = "No awarded supplier lists the item any more."
    if failure is not None:
        return _fail(session, campaign, actor, failure)
    lead = session.get_one(Organization, campaign.lead_organization_id)
    profile = profile_of(lead, settings.jurisdiction, settings.sme_deduction)
    deadline = now + timedelta(hours=profile.min_quoting_hours)
    competition = open_subject_competition(
        session, SUBJECT, campaign.currency, profile, sorted(int(s) for s in listed), now,
        deadline)
    campaign.competition_id = competition.id
    campaign.listed_prices = listed
    campaign.status = JointStatus.competing
    session.flush()
    record(session, action="joint_purchase.close", target_type="joint_purchase",
           target_id=campaign.id, actor=actor, before={"status": "open"},
           after={"status": campaign.status, "total_quantity": total,
                  "participants": len(campaign.commitments),
                  "competition_id": competition.id, "deadline": deadline,
                  "reference_price": str(campaign.reference_price),
                  "invited": sorted(int(s) for s in listed)})
    notify(session, campaign, f"Closed with {total} committed; suppliers quote until "
                              f"{deadline.isoformat(timespec='minutes')}.",
           {"competition_id": competition.id})
    return campaign


def _fail(session: Session, campaign: JointPurchase, actor: User | None,
          reason: str) -> JointPurchase:
    campaign.status = JointStatus.failed
    campaign.outcome_reason = reason
    session.flush()
    record(session, action="joint_purchase.fail", target_type="joint_purchase",
           target_id=campaign.id, actor=actor, before={"status": "open"},
           after={"status": "failed", "total_quantity": campaign.total_quantity,
                  "min_quantity": campaign.min_quantity}, reason=reason)
    notify(session, campaign, reason)
    return campaign


def listed_prices(session: Session, campaign: JointPurchase,
                  now: datetime) -> dict[str, dict[str, Any]]:
    """Each active supplier awarded under the agreement that lists the item: its lowest
    listed unit price and that offer (the ceiling of its quote, beside the agreement's)."""
    suppliers = session.scalars(
        select(AgreementSupplier.supplier_id)
        .join(Organization, Organization.id == AgreementSupplier.supplier_id)
        .where(AgreementSupplier.agreement_id == campaign.agreement_id,
               Organization.status == OrganizationStatus.active)
        .order_by(AgreementSupplier.supplier_id)).all()
    found: dict[str, dict[str, Any]] = {}
    for supplier_id in suppliers:
        offer = lowest_listed(session, campaign, now.date(), supplier_id=supplier_id)
        if offer is not None:
            found[str(supplier_id)] = {"price": str(offer.price), "offer_id": offer.id}
    return found


def close_due(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """The worker's task: close every open campaign past ``closes_at``, one per transaction.

    Rows another worker (or a request) holds are skipped and closed by the next round.
    """
    now = now or utcnow()
    closed = 0
    while True:
        query = (select(JointPurchase).where(JointPurchase.status == JointStatus.open,
                                             JointPurchase.closes_at <= now)
                 .order_by(JointPurchase.closes_at, JointPurchase.id).limit(1))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True).execution_options(
                populate_existing=True)
        else:
            query = for_update(query)
        campaign = session.scalar(query)
        if campaign is None:
            session.rollback()
            return closed
        close(session, settings, campaign, None, now)
        session.commit()
        closed += 1
