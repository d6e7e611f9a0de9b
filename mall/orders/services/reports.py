"""Spend reports (orders grouped, with the SME share) and the SME reservation report."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.catalog.models import Category
from mall.money import money, to_cents
from mall.orders.compliance.profiles import profile_for
from mall.orders.models import OrderLine, OrderStatus, PurchaseOrder, Requisition

GROUPS = ("category", "supplier", "supplier_size")
SME_SIZES = ("micro", "small", "medium")  # SME = not large


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole):.4f}" if whole else "0.0000"


def spend(session: Session, group_by: str, start: date | None, end: date | None,
          purchaser_organization_id: int | None = None,
          joint: bool | None = None) -> dict[str, Any]:
    """Spend per group and currency; ``purchaser_organization_id`` limits it to one buyer.

    A participant's order from a joint purchase counts like any other, and also in
    ``joint_spend``; ``joint`` True keeps only those orders, False only the others.
    """
    query = (
        select(OrderLine.line_total, OrderLine.currency, Category.code, Category.name_en,
               Category.name_zh, Organization.id, Organization.name, Organization.size,
               Requisition.joint_purchase_id)
        .join(PurchaseOrder, PurchaseOrder.id == OrderLine.order_id)
        .join(Requisition, Requisition.id == PurchaseOrder.requisition_id)
        .join(Category, Category.id == OrderLine.category_id)
        .join(Organization, Organization.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrder.status.not_in([OrderStatus.cancelled, OrderStatus.rejected]))
    )
    if start is not None:
        query = query.where(PurchaseOrder.created_at >= datetime.combine(start, time(), UTC))
    if end is not None:  # inclusive end date
        query = query.where(PurchaseOrder.created_at
                            < datetime.combine(end + timedelta(days=1), time(), UTC))
    if purchaser_organization_id is not None:
        query = query.where(PurchaseOrder.purchaser_organization_id == purchaser_organization_id)
    if joint is not None:
        query = query.where(Requisition.joint_purchase_id.is_not(None) if joint
                            else Requisition.joint_purchase_id.is_(None))
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"spend": Decimal("0"), "sme": Decimal("0"), "joint": Decimal("0")})
    for amount, currency, code, name_en, name_zh, sid, sname, size, joint_id in (
            session.execute(query)):
        if group_by == "category":
            key, label = code, f"{name_zh} / {name_en}"
        elif group_by == "supplier":
            key, label = str(sid), sname
        else:
            key, label = size or "unknown", size or "unknown"
        group = groups.setdefault((key, currency), {
            "key": key, "label": label, "currency": currency,
            "spend": Decimal("0"), "sme": Decimal("0"), "joint": Decimal("0"), "lines": 0})
        group["spend"] += amount
        if joint_id is not None:  # a participant's share of a joint purchase (联合采购)
            group["joint"] += amount
            totals[currency]["joint"] += amount
        group["lines"] += 1
        totals[currency]["spend"] += amount
        if size in SME_SIZES:
            group["sme"] += amount
            totals[currency]["sme"] += amount
    items = [{
        "key": g["key"], "label": g["label"],
        "spend": money(g["spend"], g["currency"]),
        "sme_spend": money(g["sme"], g["currency"]),
        "sme_share": _share(g["sme"], g["spend"]), "order_lines": g["lines"],
        "joint_spend": money(g["joint"], g["currency"]),
    } for g in sorted(groups.values(), key=lambda g: (-g["spend"], g["key"]))]
    return {
        "group_by": group_by,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "joint": joint,
        "items": items,
        "totals": [{"currency": cur, "spend": money(t["spend"], cur),
                    "sme_spend": money(t["sme"], cur),
                    "sme_share": _share(t["sme"], t["spend"]),
                    "joint_spend": money(t["joint"], cur)}
                   for cur, t in sorted(totals.items())],
    }


def sme_reservation(session: Session, year: int, jurisdiction: str,
                    purchaser_organization_id: int | None = None) -> dict[str, Any]:
    """预留份额 per purchaser for one calendar year, against its profile's target.

    ``total``: the purchaser's orders in the year (not cancelled or rejected); ``reserved``:
    those of SME-reserved requisitions; ``share`` = reserved / total; ``sme_spend``: what
    went to SME suppliers at all. The target applies once ``total`` exceeds the profile's
    ``applies_above``; ``required`` is then target share × total.
    """
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    query = (
        select(PurchaseOrder.purchaser_organization_id, PurchaseOrder.currency,
               PurchaseOrder.total, Requisition.sme_reserved, Organization.size)
        .join(Requisition, Requisition.id == PurchaseOrder.requisition_id)
        .join(Organization, Organization.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrder.status.not_in([OrderStatus.cancelled, OrderStatus.rejected]),
               PurchaseOrder.created_at >= start, PurchaseOrder.created_at < end)
    )
    if purchaser_organization_id is not None:
        query = query.where(PurchaseOrder.purchaser_organization_id == purchaser_organization_id)
    sums: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(
        lambda: {"total": Decimal("0"), "reserved": Decimal("0"), "sme": Decimal("0")})
    for org_id, currency, total, reserved, size in session.execute(query):
        row = sums[(org_id, currency)]
        row["total"] += total
        if reserved:
            row["reserved"] += total
        if size in SME_SIZES:
            row["sme"] += total
    ids = sorted({org_id for org_id, _ in sums} | (
        {purchaser_organization_id} if purchaser_organization_id is not None else set()))
    orgs = {o.id: o for o in session.scalars(select(Organization).where(
        Organization.id.in_(ids)))} if ids else {}
    items = []
    for org_id in ids:
        org = orgs[org_id]
        profile = profile_for(org.jurisdiction, jurisdiction)
        target = profile.sme_reservation
        currencies = sorted(cur for oid, cur in sums if oid == org_id) or [profile.currency]
        for currency in currencies:
            row = sums.get((org_id, currency)) or {
                "total": Decimal("0"), "reserved": Decimal("0"), "sme": Decimal("0")}
            applies = currency == profile.currency and row["total"] > target.applies_above
            required = to_cents(row["total"] * target.target_share) if applies else Decimal("0")
            items.append({
                "purchaser": {"id": org.id, "name": org.name},
                "total": money(row["total"], currency),
                "reserved": money(row["reserved"], currency),
                "share": _share(row["reserved"], row["total"]),
                "sme_spend": money(row["sme"], currency),
                "sme_share": _share(row["sme"], row["total"]),
                "target": {"share": f"{target.target_share:.4f}",
                           "applies_above": money(target.applies_above, profile.currency),
                           "applies": applies, "required": money(required, currency),
                           "met": (not applies) or row["reserved"] >= required,
                           "profile": profile.name},
            })
    return {"year": year, "items": items}
