"""JSON shapes of joint purchases, as each party may see them.

A purchaser sees the aggregate (total, participant count, each commitment's quantity and
delivery region) and its own commitment, never who else committed; the center sees all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, User
from mall.catalog.models import Agreement, Category, Lot
from mall.joint.models import JointCommitment, JointPurchase
from mall.money import money
from mall.orders.models import PurchaseOrder, Requisition
from mall.standards.models import Standard


def _commitment_json(session: Session, c: JointCommitment, currency: str, *,
                     with_identity: bool, own: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"quantity": c.quantity, "delivery_region": c.delivery_region}
    if with_identity:
        org = session.get_one(Organization, c.purchaser_organization_id)
        body["organization"] = {"id": org.id, "name": org.name}
    if with_identity or own:
        requisition = (session.get(Requisition, c.requisition_id)
                       if c.requisition_id else None)
        body.update({
            "preview": c.preview, "requisition_id": c.requisition_id,
            "requisition_status": requisition.status if requisition else None,
            "order_ids": [o.id for o in session.scalars(select(PurchaseOrder).where(
                PurchaseOrder.requisition_id == c.requisition_id))] if c.requisition_id
            else [],
            "savings": money(c.savings, currency),
            "updated_at": c.updated_at.isoformat()})
    return body


def joint_purchase_json(session: Session, jp: JointPurchase, viewer: User,
                        detail: bool = False) -> dict[str, Any]:
    center = viewer.organization.kind == OrganizationKind.center
    agreement = session.get_one(Agreement, jp.agreement_id)
    lot = session.get_one(Lot, jp.lot_id)
    category = session.get_one(Category, jp.category_id)
    standard = session.get(Standard, jp.standard_id) if jp.standard_id else None
    mine = next((c for c in jp.commitments
                 if c.purchaser_organization_id == viewer.organization_id), None)
    total = sum(c.quantity for c in jp.commitments)
    savings = [c.savings for c in jp.commitments if c.savings is not None]
    lead_kind = session.get_one(Organization, jp.lead_organization_id).kind
    body: dict[str, Any] = {
        "id": jp.id, "title": jp.title, "status": jp.status,
        "lead": {"kind": lead_kind, "is_you": jp.lead_organization_id == viewer.organization_id,
                 "organization_id": jp.lead_organization_id if center else None},
        "agreement_number": agreement.number, "lot_code": lot.code,
        "category": {"code": category.code, "name_zh": category.name_zh,
                     "name_en": category.name_en},
        "product_id": jp.product_id,
        "standard_code": standard.code if standard else None,
        "standard_version": standard.version if standard else None,
        "closes_at": jp.closes_at.isoformat(), "deliver_by": jp.deliver_by.isoformat(),
        "requirement_text": jp.requirement_text, "scope": {"regions": list(jp.regions or [])},
        "min_quantity": jp.min_quantity,
        "total_quantity": jp.total_quantity if jp.total_quantity is not None else total,
        "participants": len(jp.commitments),
        "my_commitment": None if mine is None else _commitment_json(
            session, mine, jp.currency, with_identity=False, own=True),
        "competition_id": jp.competition_id,
        "reference_price": money(jp.reference_price, jp.currency),
        "closed_at": jp.closed_at.isoformat() if jp.closed_at else None,
        "outcome_reason": jp.outcome_reason,
        "award": None if jp.awarded_unit_price is None else {
            "unit_price": money(jp.awarded_unit_price, jp.currency),
            "savings": money(sum(savings, Decimal("0")), jp.currency)},
        "created_at": jp.created_at.isoformat(),
    }
    if detail:
        body["commitments"] = [
            _commitment_json(session, c, jp.currency, with_identity=center,
                             own=c.purchaser_organization_id == viewer.organization_id)
            for c in jp.commitments]
    return body
