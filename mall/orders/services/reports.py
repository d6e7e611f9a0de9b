"""Spend reports: purchase orders (not cancelled or rejected) grouped, with the SME share."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.catalog.models import Category
from mall.money import money
from mall.orders.models import OrderLine, OrderStatus, PurchaseOrder

GROUPS = ("category", "supplier", "supplier_size")
SME_SIZES = ("micro", "small", "medium")  # SME = not large


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole):.4f}" if whole else "0.0000"


def spend(session: Session, group_by: str, start: date | None, end: date | None,
          purchaser_organization_id: int | None = None) -> dict[str, Any]:
    """Spend per group and currency; ``purchaser_organization_id`` limits it to one buyer."""
    query = (
        select(OrderLine.line_total, OrderLine.currency, Category.code, Category.name_en,
               Category.name_zh, Organization.id, Organization.name, Organization.size)
        .join(PurchaseOrder, PurchaseOrder.id == OrderLine.order_id)
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
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    totals: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"spend": Decimal("0"), "sme": Decimal("0")})
    for amount, currency, code, name_en, name_zh, sid, sname, size in session.execute(query):
        if group_by == "category":
            key, label = code, f"{name_zh} / {name_en}"
        elif group_by == "supplier":
            key, label = str(sid), sname
        else:
            key, label = size or "unknown", size or "unknown"
        group = groups.setdefault((key, currency), {
            "key": key, "label": label, "currency": currency,
            "spend": Decimal("0"), "sme": Decimal("0"), "lines": 0})
        group["spend"] += amount
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
    } for g in sorted(groups.values(), key=lambda g: (-g["spend"], g["key"]))]
    return {
        "group_by": group_by,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "items": items,
        "totals": [{"currency": cur, "spend": money(t["spend"], cur),
                    "sme_spend": money(t["sme"], cur),
                    "sme_share": _share(t["sme"], t["spend"])}
                   for cur, t in sorted(totals.items())],
    }
