"""The joint purchases report (issue 15, part 6): campaigns per year with their participants,
volume and savings.

A campaign belongs to the year it closed in (one still open: the year it was opened). The
volume is what the award ordered (the awarded unit price × the total committed) and the
savings are the participants' savings against the lowest listed price at close, as stored
by the award. The center sees every campaign and who took part; a purchaser sees only the
campaigns it took part in (led or committed to), with the aggregate and its own share, never
the other participants' names (as on the campaign pages).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from mall.accounts.models import Organization
from mall.joint.models import JointCommitment, JointPurchase, JointStatus
from mall.money import money, to_cents


def joint_purchases(session: Session, year: int,
                    purchaser_organization_id: int | None = None) -> dict[str, Any]:
    """Campaigns of ``year``; ``purchaser_organization_id`` limits them to one purchaser's."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    when = func.coalesce(JointPurchase.closed_at, JointPurchase.created_at)
    query = (select(JointPurchase).options(selectinload(JointPurchase.commitments))
             .where(when >= start, when < end).order_by(when, JointPurchase.id))
    if purchaser_organization_id is not None:
        took_part = select(JointCommitment.joint_purchase_id).where(
            JointCommitment.purchaser_organization_id == purchaser_organization_id)
        query = query.where(or_(JointPurchase.lead_organization_id == purchaser_organization_id,
                                JointPurchase.id.in_(took_part)))
    campaigns = session.scalars(query).all()
    names: dict[int, str] = {}
    if purchaser_organization_id is None:
        ids = {c.purchaser_organization_id for jp in campaigns for c in jp.commitments}
        names = {org_id: name for org_id, name in session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(ids)))}
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "campaigns": 0, "awarded": 0, "failed": 0, "participations": 0,
        "purchasers": set(), "quantity": 0, "value": Decimal("0"), "savings": Decimal("0")})
    items = []
    for jp in campaigns:
        quantity = (jp.total_quantity if jp.total_quantity is not None
                    else sum(c.quantity for c in jp.commitments))
        price = jp.awarded_unit_price if jp.status == JointStatus.awarded else None
        awarded = price is not None
        value = to_cents(price * quantity) if price is not None else Decimal("0")
        savings = sum((c.savings for c in jp.commitments if c.savings is not None),
                      Decimal("0"))
        total = totals[jp.currency]
        total["campaigns"] += 1
        total["awarded"] += int(awarded)
        total["failed"] += int(jp.status == JointStatus.failed)
        total["participations"] += len(jp.commitments)
        total["purchasers"].update(c.purchaser_organization_id for c in jp.commitments)
        if awarded:
            total["quantity"] += quantity
            total["value"] += value
            total["savings"] += savings
        item: dict[str, Any] = {
            "id": jp.id, "title": jp.title, "status": jp.status,
            "closed_at": jp.closed_at.isoformat() if jp.closed_at else None,
            "participants": len(jp.commitments), "total_quantity": quantity,
            "unit_price": money(jp.awarded_unit_price, jp.currency),
            "reference_price": money(jp.reference_price, jp.currency),
            "value": money(value, jp.currency), "savings": money(savings, jp.currency),
            "savings_share": _share(savings, savings + value),
        }
        if purchaser_organization_id is None:
            item["participant_organizations"] = [
                {"id": c.purchaser_organization_id, "name": names.get(c.purchaser_organization_id),
                 "quantity": c.quantity, "savings": money(c.savings, jp.currency)}
                for c in jp.commitments]
        else:
            mine = next((c for c in jp.commitments
                         if c.purchaser_organization_id == purchaser_organization_id), None)
            item["mine"] = None if mine is None else {
                "quantity": mine.quantity,
                "value": money(to_cents(price * mine.quantity)
                               if price is not None else Decimal("0"), jp.currency),
                "savings": money(mine.savings, jp.currency)}
        items.append(item)
    return {"year": year, "items": items, "totals": [{
        "currency": currency, "campaigns": t["campaigns"], "awarded": t["awarded"],
        "failed": t["failed"], "participations": t["participations"],
        "purchasers": len(t["purchasers"]), "quantity": t["quantity"],
        "value": money(t["value"], currency), "savings": money(t["savings"], currency),
        "savings_share": _share(t["savings"], t["savings"] + t["value"]),
    } for currency, t in sorted(totals.items())]}


def _share(part: Decimal, whole: Decimal) -> str:
    """Savings as a share of what the listed prices would have cost (value + savings)."""
    return f"{(part / whole):.4f}" if whole else "0.0000"
