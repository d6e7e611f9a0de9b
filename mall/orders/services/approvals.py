"""Approvals: one approver, or a collective decision of N distinct approvers.

Eligibility is checked again at every approval and when the last one places the orders;
past the 7-day price hold the prices must also be unchanged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Role, User
from mall.audit.services import record
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.errors import Conflict, Forbidden, RuleViolation
from mall.i18n import N_
from mall.orders.compliance.outcomes import Route
from mall.orders.models import Approval, ApprovalDecision, Requisition, RequisitionStatus
from mall.orders.services.eligibility import ensure_eligible, held_line_facts
from mall.orders.services.purchase_orders import place_orders
from mall.orders.services.requisitions import requisition_for


def _check_approver(user: User, requisition: Requisition) -> None:
    if not user.has_role(Role.approver):
        raise Forbidden(N_("This needs the role approver."), code="role_required")
    if requisition.requester_id == user.id:
        raise Forbidden(N_("Approvers cannot decide on their own requisitions."),
                        code="own_requisition")
    if requisition.status != RequisitionStatus.pending or requisition.route != Route.approval:
        raise Conflict(f"Requisition {requisition.id} is not awaiting approval "
                       f"(status {requisition.status}, route {requisition.route}).",
                       code="not_awaiting_approval")
    if any(a.approver_id == user.id for a in requisition.approvals):
        raise Conflict(N_("You have already decided on this requisition."),
                       code="already_decided")


def recheck_prices(session: Session, requisition: Requisition) -> None:
    """After the price hold, every line's current price must still be the held one."""
    offers = {o.id: o for o in session.scalars(
        select(Offer).where(Offer.id.in_([li.offer_id for li in requisition.lines])))}
    changed = [{"offer_id": li.offer_id, "sku": li.sku, "held_price": str(li.unit_price),
                "current_price": str(offers[li.offer_id].price)}
               for li in requisition.lines if offers[li.offer_id].price != li.unit_price]
    if changed:
        raise RuleViolation(
            N_("The 7-day price hold has expired and the catalog price has changed; submit a "
            "new requisition."), code="price_hold_expired",
            details={"price_hold_until": requisition.price_hold_until.isoformat(),
                     "price_changes": changed})


def approve(session: Session, user: User, requisition_id: int,
            now: datetime | None = None) -> Requisition:
    """Record one approval; the last one places the orders.

    Every approval re-checks eligibility first (the hold keeps the price, not the
    eligibility); past the hold the prices must also be unchanged. A refusal changes nothing.
    """
    now = now or utcnow()
    requisition = requisition_for(session, user, requisition_id, lock=True)
    _check_approver(user, requisition)
    eligibility = held_line_facts(session, requisition)
    ensure_eligible(session, requisition, eligibility, now)
    approvals = sum(1 for a in requisition.approvals if a.decision == ApprovalDecision.approve) + 1
    final = approvals >= max(1, requisition.required_approvals)
    hold = requisition.price_hold_until
    if final and hold.tzinfo is None:  # SQLite drops the offset; stored values are UTC
        hold = hold.replace(tzinfo=now.tzinfo)
    if final and now > hold:
        recheck_prices(session, requisition)
    requisition.approvals.append(Approval(approver_id=user.id, decision=ApprovalDecision.approve,
                                          decided_at=now))
    session.flush()
    if final:
        place_orders(session, requisition, user, now, eligibility)
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
