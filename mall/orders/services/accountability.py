"""采购人主体责任: per purchaser, the figures audits look for, from the decisions on record.

For one calendar year, per purchaser organization:

- ``requisitions``: requisitions created in the year;
- ``near_threshold_share``: the share of them whose own total (in some category) lies within
  10% below a tier threshold (the direct-purchase limit or the e-mall's ceiling) at their
  first compliance decision;
- ``split_catches``: requisitions where the cumulative (anti-splitting) rule changed the
  route: their own total alone would have taken a laxer route than the cumulative total did;
- ``top_supplier_share``: the share of the year's order spend that went to one supplier;
- ``single_approver_share``: the share of approvals given by the one most frequent approver;
- ``rejected_share`` and ``cancelled_share`` of the requisitions.

Each figure names the requisitions behind it (``requisition_ids``) for the drill-down.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.audit import services as audit
from mall.orders.models import (
    Approval,
    ApprovalDecision,
    ComplianceDecision,
    Flag,
    FlagKind,
    OrderStatus,
    PurchaseOrder,
    Requisition,
    RequisitionStatus,
)

NEAR = Decimal("0.10")  # "within 10% below a threshold"
SHARES = ("near_threshold_share", "top_supplier_share", "single_approver_share")


def _share(part: int | Decimal, whole: int | Decimal) -> str:
    return f"{Decimal(part) / Decimal(whole):.4f}" if whole else "0.0000"


def _tiers(decision: ComplianceDecision) -> list[dict[str, Any]]:
    return [r.get("inputs") or {} for r in decision.rules or [] if r.get("rule") == "tier"]


def near_threshold(decision: ComplianceDecision) -> bool:
    """Some category's own total lies in [90%, 100%] of a tier threshold."""
    for tier in _tiers(decision):
        own = Decimal(tier.get("own_total") or "0")
        for key in ("direct_max", "competition_max"):
            limit = Decimal(tier.get(key) or "0")
            if limit > 0 and limit * (1 - NEAR) <= own <= limit:
                return True
    return False


def split_caught(decision: ComplianceDecision) -> bool:
    """The cumulative total crossed a threshold the requisition's own total stayed under."""
    for tier in _tiers(decision):
        own = Decimal(tier.get("own_total") or "0")
        basis = Decimal(tier.get("basis") or "0")
        for key in ("direct_max", "competition_max"):
            limit = Decimal(tier.get(key) or "0")
            if own <= limit < basis:
                return True
    return False


def _window(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def split_catches(session: Session, start: datetime, end: datetime,
                  purchaser_organization_id: int | None = None) -> list[dict[str, Any]]:
    """Every decision in [start, end) where the cumulative rule changed the route."""
    query = (select(ComplianceDecision, Requisition)
             .join(Requisition, Requisition.id == ComplianceDecision.requisition_id)
             .where(ComplianceDecision.evaluated_at >= start,
                    ComplianceDecision.evaluated_at < end)
             .order_by(ComplianceDecision.id.desc()))
    if purchaser_organization_id is not None:
        query = query.where(Requisition.purchaser_organization_id == purchaser_organization_id)
    out = []
    for decision, requisition in session.execute(query):
        if split_caught(decision):
            splitting = [r for r in decision.rules if r.get("rule") == "splitting"
                         and r.get("outcome") == "counted"]
            out.append({"decision": decision, "requisition": requisition,
                        "tiers": _tiers(decision), "splitting": splitting})
    return out


def _empty() -> dict[str, Any]:
    return {"requisitions": set(), "near": set(), "split": set(), "rejected": set(),
            "cancelled": set(), "spend": Decimal("0"), "by_supplier": Counter(),
            "orders_by_supplier": defaultdict(set), "approvals": Counter(),
            "approval_reqs": defaultdict(set)}


def accountability(session: Session, year: int,
                   thresholds: dict[str, Decimal] | None = None,
                   purchaser_organization_id: int | None = None) -> dict[str, Any]:
    """The report for ``year``; with ``thresholds`` each item says which ones it is past."""
    start, end = _window(year)
    acc: dict[int, dict[str, Any]] = defaultdict(_empty)
    reqs = select(Requisition.id, Requisition.purchaser_organization_id, Requisition.status) \
        .where(Requisition.created_at >= start, Requisition.created_at < end)
    if purchaser_organization_id is not None:
        reqs = reqs.where(Requisition.purchaser_organization_id == purchaser_organization_id)
    owner: dict[int, int] = {}
    for rid, org_id, status in session.execute(reqs):
        owner[rid] = org_id
        row = acc[org_id]
        row["requisitions"].add(rid)
        if status == RequisitionStatus.rejected:
            row["rejected"].add(rid)
        elif status == RequisitionStatus.cancelled:
            row["cancelled"].add(rid)
    ids = sorted(owner)
    first_seen: set[int] = set()
    for decision in session.scalars(select(ComplianceDecision).where(
            ComplianceDecision.requisition_id.in_(ids)).order_by(ComplianceDecision.id)) \
            if ids else []:
        rid = decision.requisition_id
        row = acc[owner[rid]]
        if rid not in first_seen:  # near-threshold is judged on what was first asked for
            first_seen.add(rid)
            if near_threshold(decision):
                row["near"].add(rid)
        if split_caught(decision):
            row["split"].add(rid)
    for rid, approver in session.execute(select(Approval.requisition_id, Approval.approver_id)
                                         .where(Approval.requisition_id.in_(ids),
                                                Approval.decision == ApprovalDecision.approve)) \
            if ids else []:
        acc[owner[rid]]["approvals"][approver] += 1
        acc[owner[rid]]["approval_reqs"][approver].add(rid)
    orders = select(PurchaseOrder.purchaser_organization_id, PurchaseOrder.supplier_id,
                    PurchaseOrder.total, PurchaseOrder.requisition_id).where(
        PurchaseOrder.created_at >= start, PurchaseOrder.created_at < end,
        PurchaseOrder.status.not_in([OrderStatus.cancelled, OrderStatus.rejected]))
    if purchaser_organization_id is not None:
        orders = orders.where(PurchaseOrder.purchaser_organization_id == purchaser_organization_id)
    for org_id, supplier_id, total, rid in session.execute(orders):
        row = acc[org_id]
        row["spend"] += total
        row["by_supplier"][supplier_id] += total
        if rid is not None:
            row["orders_by_supplier"][supplier_id].add(rid)
    names = {o.id: o.name for o in session.scalars(
        select(Organization).where(Organization.id.in_(list(acc))))} if acc else {}
    items = [_item(org_id, names.get(org_id, str(org_id)), row, thresholds)
             for org_id, row in acc.items()]
    items.sort(key=lambda i: (-len(i["past_thresholds"]), -i["requisitions"],
                              i["purchaser"]["id"]))
    return {"year": year, "items": items,
            "thresholds": {k: str(v) for k, v in (thresholds or {}).items()}}


def _item(org_id: int, name: str, row: dict[str, Any],
          thresholds: dict[str, Decimal] | None) -> dict[str, Any]:
    n = len(row["requisitions"])
    top_supplier, top_spend = (row["by_supplier"].most_common(1) or [(None, Decimal("0"))])[0]
    top_approver, top_count = (row["approvals"].most_common(1) or [(None, 0)])[0]
    item: dict[str, Any] = {
        "purchaser": {"id": org_id, "name": name},
        "requisitions": n,
        "near_threshold_share": _share(len(row["near"]), n),
        "split_catches": len(row["split"]),
        "top_supplier_share": _share(top_spend, row["spend"]),
        "top_supplier_id": top_supplier,
        "single_approver_share": _share(top_count, sum(row["approvals"].values())),
        "top_approver_id": top_approver,
        "rejected_share": _share(len(row["rejected"]), n),
        "cancelled_share": _share(len(row["cancelled"]), n),
        "requisition_ids": {
            "requisitions": sorted(row["requisitions"]),
            "near_threshold": sorted(row["near"]), "split_catches": sorted(row["split"]),
            "top_supplier": sorted(row["orders_by_supplier"].get(top_supplier, ())),
            "single_approver": sorted(row["approval_reqs"].get(top_approver, ())),
            "rejected": sorted(row["rejected"]), "cancelled": sorted(row["cancelled"]),
        },
    }
    item["past_thresholds"] = past_thresholds(item, thresholds) if thresholds else []
    return item


def past_thresholds(item: dict[str, Any], thresholds: dict[str, Decimal]) -> list[str]:
    """The figures of ``item`` above their threshold (shares only with enough requisitions)."""
    past = []
    if "split_catches" in thresholds and item["split_catches"] >= thresholds["split_catches"] > 0:
        past.append("split_catches")
    if item["requisitions"] >= thresholds.get("min_requisitions", Decimal("0")):
        past += [name for name in SHARES
                 if name in thresholds and Decimal(item[name]) > thresholds[name]]
    return past


def raise_flags(session: Session, year: int, thresholds: dict[str, Decimal],
                actor: Any = None) -> list[Flag]:
    """One ``accountability`` flag per purchaser past a threshold in ``year``, unless that
    purchaser already has one for the year (open or resolved: a resolution stands)."""
    report = accountability(session, year, thresholds)
    flagged = {(f.purchaser_organization_id, (f.details or {}).get("year"))
               for f in session.scalars(select(Flag).where(Flag.kind == FlagKind.accountability))}
    flags = []
    for item in report["items"]:
        org_id = item["purchaser"]["id"]
        if not item["past_thresholds"] or (org_id, year) in flagged:
            continue
        flags.append(Flag(kind=FlagKind.accountability, purchaser_organization_id=org_id,
                          supplier_ids=[], details={
                              "year": year, "past": item["past_thresholds"],
                              "figures": {k: item[k] for k in (
                                  "requisitions", "near_threshold_share", "split_catches",
                                  "top_supplier_share", "single_approver_share")},
                              "thresholds": report["thresholds"]}))
    session.add_all(flags)
    session.flush()
    audit.record_many(session, [
        {"action": "flag.raise", "target_type": "flag", "target_id": f.id, "actor": actor,
         "after": {"kind": f.kind, "purchaser_organization_id": f.purchaser_organization_id,
                   "details": f.details}} for f in flags])
    return flags
