"""The orders area's JSON shapes, one function each (API, pages and audit use them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import object_session

from mall.money import money
from mall.orders.models import (
    Cart,
    Competition,
    CompetitionStatus,
    Flag,
    PurchaseOrder,
    Quote,
    Requisition,
)
from mall.orders.services.competition_subjects import lines_of, requirement_text_of


def reason_json(rule: dict[str, Any], lang: str) -> dict[str, Any]:
    return {"rule": rule["rule"], "outcome": rule["outcome"],
            "message": rule["message_zh"] if lang == "zh" else rule["message_en"],
            "message_zh": rule["message_zh"], "message_en": rule["message_en"]}


def order_json(order: PurchaseOrder) -> dict[str, Any]:
    return {
        "id": order.id, "requisition_id": order.requisition_id,
        "competition_id": order.competition_id,
        "purchaser_organization_id": order.purchaser_organization_id,
        "supplier_id": order.supplier_id, "status": order.status,
        "status_reason": order.status_reason, "tracking_number": order.tracking_number,
        "total": money(order.total, order.currency),
        "delivery_region": order.delivery_region,
        "delivery_address": order.delivery_address,
        "lines": [{"id": li.id, "offer_id": li.offer_id, "title": li.title, "sku": li.sku,
                   "quantity": li.quantity, "unit_price": money(li.unit_price, li.currency),
                   "line_total": money(li.line_total, li.currency)} for li in order.lines],
        "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
    }


def requisition_json(requisition: Requisition, lang: str,
                     with_inputs: bool = False) -> dict[str, Any]:
    decision = requisition.latest_decision
    rules = decision.rules if decision else []
    body: dict[str, Any] = {
        "id": requisition.id, "status": requisition.status, "route": requisition.route,
        "reasons": [reason_json(r, lang) for r in rules],
        "total": money(requisition.total, requisition.currency),
        "lines": [{"id": li.id, "offer_id": li.offer_id, "supplier_id": li.supplier_id,
                   "assignment": li.assignment, "sku": li.sku, "title": li.title,
                   "quantity": li.quantity, "unit_price": money(li.unit_price, li.currency),
                   "line_total": money(li.line_total, li.currency)}
                  for li in requisition.lines],
        "orders": [order_json(o) for o in requisition.orders],
        "competition_id": requisition.competition.id if requisition.competition else None,
        "required_approvals": requisition.required_approvals,
        "approvals": [{"approver_id": a.approver_id, "decision": a.decision,
                       "reason": a.reason, "decided_at": a.decided_at.isoformat()}
                      for a in requisition.approvals],
        "justification": requisition.justification,
        "requirement_text": requisition.requirement_text,
        "sme_reserved": requisition.sme_reserved,
        "delivery_region": requisition.delivery_region,
        "delivery_address": requisition.delivery_address,
        "joint_purchase_id": requisition.joint_purchase_id,
        "jurisdiction": requisition.jurisdiction,
        "price_hold_until": requisition.price_hold_until.isoformat(),
        "created_at": requisition.created_at.isoformat(),
    }
    if with_inputs and decision is not None:
        body["decision"] = {"profile": decision.profile, "route": decision.route,
                            "evaluated_at": decision.evaluated_at.isoformat(),
                            "rules": decision.rules}
    return body


def cart_json(cart: Cart) -> dict[str, Any]:
    return {"id": cart.id, "lines": [{"offer_id": li.offer_id, "quantity": li.quantity}
                                     for li in cart.lines]}


def quote_json(quote: Quote, with_supplier: bool = True, rank: int | None = None,
               score: Decimal | None = None) -> dict[str, Any]:
    """One quote; ``with_supplier=False`` leaves out who made it (``supplier_id`` null)."""
    body: dict[str, Any] = {
        "id": quote.id, "supplier_id": quote.supplier_id if with_supplier else None,
        "lines": quote.lines, "total": money(quote.total, quote.currency),
        "sme_deduction": money(quote.total - quote.evaluated_total, quote.currency),
        "evaluated_total": money(quote.evaluated_total, quote.currency),
        "technical": quote.technical,
        "submitted_at": quote.submitted_at.isoformat()}
    if rank is not None:
        body["rank"] = rank
    if score is not None:
        body["score"] = f"{score:.2f}"
    return body


def competition_json(competition: Competition, quotes: list[Quote] | None,
                     supplier_id: int | None = None, *, ranked: bool = False,
                     supplier_extra: dict[str, Any] | None = None,
                     scores: dict[int, Decimal | None] | None = None) -> dict[str, Any]:
    """A competition as one party may see it.

    ``supplier_id``: the invited supplier looking, who sees its own invitation and its own
    quote (``quotes`` must hold only that one) and how many were invited and have quoted,
    never who. Otherwise the purchaser looks: it too sees only the counts until the award;
    ``invited_supplier_ids`` and each quote's ``supplier_id`` are null before then.
    ``ranked``: ``quotes`` are in evaluation order and carry their rank.
    """
    session = object_session(competition)
    assert session is not None
    disclosed = supplier_id is None and competition.status == CompetitionStatus.awarded
    body: dict[str, Any] = {
        "id": competition.id, "requisition_id": competition.requisition_id,
        "subject": competition.subject,
        "status": competition.status, "deadline": competition.deadline.isoformat(),
        "closed_at": competition.closed_at.isoformat() if competition.closed_at else None,
        "sme_deduction": str(competition.sme_deduction),
        "sme_only": competition.sme_only,
        "method": competition.method, "evaluation_plan": competition.evaluation_plan,
        "requirement_text": requirement_text_of(session, competition),
        "lines": [{"id": li.id, "sku": li.sku, "title": li.title, "quantity": li.quantity,
                   "category_id": li.category_id} for li in lines_of(session, competition)],
        "invited_count": len(competition.invitations),
        "quoted_count": len(competition.quotes),
        "invited_supplier_ids": [i.supplier_id for i in competition.invitations]
        if disclosed else None,
        "awarded_quote_id": competition.awarded_quote_id,
        "awarded_rank": competition.awarded_rank,
        "award_reason": competition.award_reason,
        "cancelled_at": competition.cancelled_at.isoformat()
        if competition.cancelled_at else None,
        "cancel_reason": competition.cancel_reason,
        "quotes": None if quotes is None else [
            quote_json(q, with_supplier=disclosed or q.supplier_id == supplier_id,
                       rank=rank if ranked else None, score=(scores or {}).get(q.id))
            for rank, q in enumerate(quotes, start=1)],
    }
    if supplier_id is not None:
        own = next((i for i in competition.invitations if i.supplier_id == supplier_id), None)
        body["invitation"] = None if own is None else {
            "supplier_id": own.supplier_id, "invited_at": own.invited_at.isoformat()}
        body.update(supplier_extra or {})
    return body


def flag_json(flag: Flag) -> dict[str, Any]:
    return {"id": flag.id, "kind": flag.kind, "competition_id": flag.competition_id,
            "purchaser_organization_id": flag.purchaser_organization_id,
            "supplier_ids": flag.supplier_ids, "details": flag.details,
            "created_at": flag.created_at.isoformat(), "status": flag.status,
            "resolution": flag.resolution, "reason": flag.reason,
            "resolved_by": flag.resolved_by_id,
            "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None}
