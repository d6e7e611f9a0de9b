"""Approvals: one approver, or a collective decision of N distinct approvers.

Eligibility and prices are checked again when the last approval places the orders.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, Role, User
from mall.audit.services import record
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, RuleViolation
from mall.orders.compliance.outcomes import Route
from mall.orders.compliance.profiles import profile_for
from mall.orders.compliance.rules import Facts, eligibility_rule
from mall.orders.models import Approval, ApprovalDecision, Requisition, RequisitionStatus
from mall.orders.services.facts import line_facts
from mall.orders.services.purchase_orders import place_orders
from mall.orders.services.requisitions import requisition_for


def _check_approver(user: User, requisition: Requisition) -> None:
    if not user.has_role(Role.approver):
        raise Forbidden("This needs the role approver.", code="role_required")
    if requisition.requester_id == user.id:
        raise Forbidden("Approvers cannot decide on their own requisitions.",
                        code="own_requisition")
    if requisition.status != RequisitionStatus.pending or requisition.route != Route.approval:
        raise Conflict(f"Requisition {requisition.id} is not awaiting approval "
                       f"(status {requisition.status}, route {requisition.route}).",
                       code="not_awaiting_approval")
    if any(a.approver_id == user.id for a in requisition.approvals):
        raise Conflict("You have already decided on this requisition.",
                       code="already_decided")


def recheck_prices(session: Session, requisition: Requisition, now: datetime) -> None:
    """After the price hold, the current catalog must still allow the purchase as asked."""
    offers = {o.id: o for o in session.scalars(
        select(Offer).where(Offer.id.in_([li.offer_id for li in requisition.lines])))}
    org = session.get(Organization, requisition.purchaser_organization_id)
    assert org is not None
    lines = tuple(line_facts(session, offers[li.offer_id], li.quantity)
                  for li in requisition.lines)
    facts = Facts(profile=profile_for(requisition.jurisdiction, requisition.jurisdiction),
                  on=now.date(), currency=requisition.currency, purchaser_region=org.region,
                  own_total=requisition.total, lines=lines, categories=())
    problems = [r.as_dict() for r in eligibility_rule(facts) if r.outcome == Route.blocked]
    changed = [{"offer_id": li.offer_id, "sku": li.sku, "held_price": str(li.unit_price),
                "current_price": str(offers[li.offer_id].price)}
               for li in requisition.lines if offers[li.offer_id].price != li.unit_price]
    if problems or changed:
        raise RuleViolation(
            "The 7-day price hold has expired and the catalog no longer allows this purchase "
            "as requested; submit a new requisition.", code="price_hold_expired",
            details={"price_hold_until": requisition.price_hold_until.isoformat(),
                     "price_changes": changed, "ineligible": problems})


def approve(session: Session, user: User, requisition_id: int,
            now: datetime | None = None) -> Requisition:
    now = now or utcnow()
    requisition = requisition_for(session, user, requisition_id, lock=True)
    _check_approver(user, requisition)
    approvals = sum(1 for a in requisition.approvals if a.decision == ApprovalDecision.approve) + 1
    final = approvals >= max(1, requisition.required_approvals)
    hold = requisition.price_hold_until
    if final and hold.tzinfo is None:  # SQLite drops the offset; stored values are UTC
        hold = hold.replace(tzinfo=now.tzinfo)
    if final and now > hold:
        recheck_prices(session, requisition, now)
    requisition.approvals.append(Approval(approver_id=user.id, decision=ApprovalDecision.approve,
                                          decided_at=now))
    session.flush()
    if final:
        place_orders(session, requisition, user)
        requisition.status = RequisitionStatus.ordered
        requisition.decided_at = now
    record(session, action="requisition.approve", target_type="requisition",
           target_id=requisition.id, actor=user,
           after={"approvals": approvals, "required": requisition.required_approvals,
                  "status": requisition.status})
    session.flush()
    return requisition


def reject(session: Session, user: User, requisition_id: int, reason: str,
           now: datetime | None = None) -> Requisition:
    now = now or utcnow()
    requisition = requisition_for(session, user, requisition_id, lock=True)
    _check_approver(user, requisition)
    requisition.approvals.append(Approval(approver_id=user.id, decision=ApprovalDecision.reject,
                                          reason=reason, decided_at=now))
    requisition.status = RequisitionStatus.rejected
    requisition.decided_at = now
    record(session, action="requisition.reject", target_type="requisition",
           target_id=requisition.id, actor=user, before={"status": "pending"},
           after={"status": requisition.status}, reason=reason)
    session.flush()
    return requisition
