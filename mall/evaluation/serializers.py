"""The evaluation area's JSON shapes."""

from __future__ import annotations

from typing import Any

from mall.evaluation.models import Expert, PanelDraw, PanelMember
from mall.evaluation.services.scoring import Result, anonymised
from mall.money import money
from mall.orders.models import Competition


def expert_json(expert: Expert) -> dict[str, Any]:
    return {"id": expert.user_id, "name": expert.user.name, "email": expert.user.email,
            "region": expert.region, "specialties": expert.specialties, "roles": ["expert"]}


def panel_json(panel: PanelDraw, members: list[PanelMember]) -> dict[str, Any]:
    return {"competition_id": panel.competition_id, "seed": panel.seed,
            "panel_size": panel.panel_size,
            "experts": [{"id": m.expert_id, "region": m.region,
                         "submitted": m.submitted_at is not None} for m in members],
            "pool_size": len(panel.pool), "exclusions": panel.exclusions,
            "drawn_at": panel.drawn_at.isoformat()}


def assignment_json(member: PanelMember, competition: Competition,
                    detail: bool = False) -> dict[str, Any]:
    """What the expert sees: the requirement, criteria and anonymised technical answers —
    never prices, suppliers or another member's scores."""
    requisition = competition.requisition
    assert requisition is not None  # best value: always a requisition's competition
    body: dict[str, Any] = {
        "id": member.id, "competition_id": competition.id,
        "status": "submitted" if member.submitted_at else "to_score",
        "submitted_at": member.submitted_at.isoformat() if member.submitted_at else None,
        "lines": [{"title": li.title, "quantity": li.quantity} for li in requisition.lines],
    }
    if detail:
        plan = competition.evaluation_plan or {}
        body.update({
            "requirement_text": requisition.requirement_text,
            "criteria": plan.get("criteria", []),
            "quotes": [{"quote_id": q.id, "letter": letter, "technical": q.technical or {}}
                       for letter, q in anonymised(competition)],
            "scores": member.scores, "comments": member.comments,
        })
    return body


def result_json(competition: Competition, panel: PanelDraw | None,
                members: list[PanelMember], outcome: Result | None) -> dict[str, Any]:
    """The evaluation as the purchaser and the center see it: sealed until complete."""
    body: dict[str, Any] = {
        "competition_id": competition.id, "method": competition.method,
        "plan": competition.evaluation_plan,
        "status": "complete" if outcome else ("scoring" if panel else "no_panel"),
        "panel": [{"expert_id": m.expert_id, "region": m.region,
                   "submitted": m.submitted_at is not None} for m in members],
        "quotes": None, "outliers": None,
    }
    if outcome is not None:
        cur = competition.currency
        body["quotes"] = [{
            "quote_id": r.quote_id, "rank": r.rank,
            "evaluated_price": money(r.evaluated_total, cur),
            "price_score": f"{r.price_score:.2f}",
            "criterion_means": {k: f"{v:.2f}" for k, v in r.criterion_means.items()},
            "quality_score": f"{r.quality_score:.2f}", "total": f"{r.total:.2f}",
        } for r in outcome.quotes]
        body["outliers"] = [{"expert_id": o.expert_id, "quote_id": o.quote_id,
                             "criterion": o.criterion, "score": str(o.score),
                             "others_median": str(o.others_median)}
                            for o in outcome.outliers]
    return body
