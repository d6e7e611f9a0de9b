"""Remote scoring and the best-value result.

Each panel member scores every quote's technical answer on every criterion (0 to the
criterion's maximum; a comment for any score below 60% of it), without seeing prices,
suppliers or anyone else's scores; scores may be corrected until the last member submits,
and stay sealed until then. The result per quote:

- price score = lowest evaluated price / this quote's evaluated price × price weight × 100
  (evaluated price: after the SME deduction);
- quality score = Σ criterion weight × (the panel's mean score / maximum) × 100;
- total = price score + quality score; rank by total (ties: lower evaluated price, then the
  earlier quote).

An outlier is a member's score more than 30% of the maximum away from the median of the
other members' scores for the same quote and criterion; each is flagged to the center.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.services import record
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.evaluation.models import PanelMember
from mall.evaluation.services.panels import members
from mall.i18n import N_
from mall.locks import for_update
from mall.orders.models import Competition, CompetitionStatus, Flag, FlagKind, Quote
from mall.orders.services.competitions import aware

COMMENT_BELOW = Decimal("0.6")  # of the maximum: a lower score needs a comment
OUTLIER_DISTANCE = Decimal("0.3")  # of the maximum, from the median of the others
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Outlier:
    expert_id: int
    quote_id: int
    criterion: str
    score: Decimal
    others_median: Decimal


@dataclass(frozen=True)
class QuoteResult:
    quote_id: int
    evaluated_total: Decimal
    price_score: Decimal
    criterion_means: dict[str, Decimal]
    quality_score: Decimal
    total: Decimal
    rank: int = 0


@dataclass(frozen=True)
class Result:
    quotes: list[QuoteResult]
    outliers: list[Outlier] = field(default_factory=list)


def compute(plan: dict[str, Any], quotes: list[tuple[int, Decimal, datetime]],
            scores: dict[int, dict[int, dict[str, Decimal]]]) -> Result:
    """The ranking from the plan, the quotes (id, evaluated total, submitted at) and every
    member's scores {expert id: {quote id: {criterion: score}}}. Pure."""
    price_weight = Decimal(plan["price_weight"])
    criteria = plan["criteria"]
    lowest = min(evaluated for _, evaluated, _ in quotes)
    rows = []
    for quote_id, evaluated, _ in quotes:
        price = (lowest / evaluated * price_weight * 100) if evaluated else price_weight * 100
        means: dict[str, Decimal] = {}
        quality = Decimal("0")
        for criterion in criteria:
            key, top = criterion["key"], Decimal(criterion["max_score"])
            given = [s[quote_id][key] for s in scores.values()]
            means[key] = (sum(given, Decimal("0")) / len(given)).quantize(CENT)
            quality += Decimal(criterion["weight"]) * (sum(given, Decimal("0")) / len(given)) \
                / top * 100
        rows.append(QuoteResult(quote_id, evaluated, price.quantize(CENT), means,
                                quality.quantize(CENT), (price + quality).quantize(CENT)))
    when = {qid: at for qid, _, at in quotes}
    rows.sort(key=lambda r: (-r.total, r.evaluated_total, when[r.quote_id], r.quote_id))
    ranked = [QuoteResult(**{**r.__dict__, "rank": n}) for n, r in enumerate(rows, start=1)]
    return Result(ranked, _outliers(criteria, scores))


def _outliers(criteria: list[dict[str, Any]],
              scores: dict[int, dict[int, dict[str, Decimal]]]) -> list[Outlier]:
    found = []
    for expert_id, given in sorted(scores.items()):
        for quote_id, by_criterion in sorted(given.items()):
            for criterion in criteria:
                key = criterion["key"]
                others = [s[quote_id][key] for e, s in scores.items() if e != expert_id]
                if not others:
                    continue
                middle = Decimal(str(median(others)))
                limit = OUTLIER_DISTANCE * Decimal(criterion["max_score"])
                if abs(by_criterion[key] - middle) > limit:
                    found.append(Outlier(expert_id, quote_id, key, by_criterion[key], middle))
    return found


# --- the expert's side ----------------------------------------------------------------

def assignments_query(user: User) -> Select[Any]:
    return (select(PanelMember).where(PanelMember.expert_id == user.id)
            .order_by(PanelMember.submitted_at.is_not(None), PanelMember.id.desc()))


def assignment_for(session: Session, user: User, member_id: int,
                   lock: bool = False) -> PanelMember:
    query = select(PanelMember).where(PanelMember.id == member_id)
    member = session.scalar(for_update(query) if lock else query)
    if member is None or member.expert_id != user.id:
        raise NotFound(f"Evaluation {member_id} does not exist.", code="evaluation_not_found")
    return member


def anonymised(competition: Competition) -> list[tuple[str, Quote]]:
    """The quotes as experts see them: lettered A, B, C … in the order they arrived."""
    ordered = sorted(competition.quotes, key=lambda q: (aware(q.submitted_at), q.id))
    return [(chr(ord("A") + n) if n < 26 else str(n + 1), q) for n, q in enumerate(ordered)]


def panel_complete(panel: list[PanelMember]) -> bool:
    return bool(panel) and all(m.submitted_at is not None for m in panel)


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def check_scores(plan: dict[str, Any], quote_ids: list[int], scores: dict[str, Any],
                 comments: dict[str, Any]) -> tuple[dict[str, dict[str, str]],
                                                    list[dict[str, str]]]:
    """Every quote scored on every criterion within its maximum, a comment for low scores.

    Returns the scores as stored (decimal strings) and the problems.
    """
    problems = []
    stored: dict[str, dict[str, str]] = {}
    for unknown in sorted(set(scores) - {str(q) for q in quote_ids}):
        problems.append({"field": f"scores.{unknown}", "code": "unknown_quote",
                         "message": f"{unknown} is not a quote in this evaluation."})
    for quote_id in quote_ids:
        given = scores.get(str(quote_id)) or {}
        said = (comments.get(str(quote_id)) or {}) if isinstance(comments, dict) else {}
        stored[str(quote_id)] = {}
        if not isinstance(given, dict):
            given = {}
        for criterion in plan["criteria"]:
            key, top = criterion["key"], Decimal(criterion["max_score"])
            where = f"scores.{quote_id}.{key}"
            value = _number(given.get(key))
            if key not in given:
                problems.append({"field": where, "code": "score_missing",
                                 "message": f"Score {key} for every quote."})
            elif value is None or not 0 <= value <= top:
                problems.append({"field": where, "code": "score_out_of_range",
                                 "message": f"{key}: a number from 0 to {top}."})
            else:
                stored[str(quote_id)][key] = str(value)
                if value < COMMENT_BELOW * top and not str(said.get(key) or "").strip():
                    problems.append({"field": f"comments.{quote_id}.{key}",
                                     "code": "comment_required",
                                     "message": f"{key}: a score below 60% of {top} needs a "
                                                "comment."})
        for extra in sorted(set(given) - {c["key"] for c in plan["criteria"]}):
            problems.append({"field": f"scores.{quote_id}.{extra}", "code": "unknown_criterion",
                             "message": f"{extra} is not a criterion."})
    return stored, problems


def submit_scores(session: Session, user: User, member_id: int, scores: dict[str, Any],
                  comments: dict[str, Any] | None = None,
                  now: datetime | None = None) -> PanelMember:
    """Store (or correct) one member's scores; the last one completes the evaluation."""
    now = now or utcnow()
    member = assignment_for(session, user, member_id)
    competition = session.scalar(for_update(select(Competition).where(
        Competition.id == member.competition_id)))
    assert competition is not None and competition.evaluation_plan is not None
    session.refresh(member, with_for_update=True)
    panel = members(session, competition.id)
    if competition.status != CompetitionStatus.open or panel_complete(panel):
        raise Conflict(N_("The evaluation is closed: every member has submitted."),
                       code="scoring_closed")
    comments = comments or {}
    stored, problems = check_scores(competition.evaluation_plan,
                                    [q.id for _, q in anonymised(competition)], scores,
                                    comments)
    if problems:
        raise RuleViolation(N_("The scores were refused."), code="scores_refused",
                            details={"problems": problems})
    member.scores = stored
    member.comments = {qid: {k: str(v).strip() for k, v in (c or {}).items() if str(v).strip()}
                       for qid, c in comments.items() if isinstance(c, dict)}
    member.submitted_at = now
    session.flush()
    digest = hashlib.sha256(json.dumps(stored, sort_keys=True).encode()).hexdigest()
    record(session, action="evaluation.score", target_type="competition",
           target_id=competition.id, actor=user,
           after={"member_id": member.id, "digest": digest})
    if panel_complete(panel):
        _complete(session, competition, panel)
    return member


def _complete(session: Session, competition: Competition, panel: list[PanelMember]) -> None:
    outcome = result(session, competition, panel)
    assert outcome is not None
    flags = [Flag(kind=FlagKind.outlier_score, competition_id=competition.id,
                  supplier_ids=[], details={
                      "expert_id": o.expert_id, "quote_id": o.quote_id,
                      "criterion": o.criterion, "score": str(o.score),
                      "others_median": str(o.others_median)})
             for o in outcome.outliers]
    session.add_all(flags)
    session.flush()
    record(session, action="evaluation.complete", target_type="competition",
           target_id=competition.id, actor=None,
           after={"ranking": [{"quote_id": r.quote_id, "total": str(r.total), "rank": r.rank}
                              for r in outcome.quotes],
                  "outliers": len(outcome.outliers), "flags": [f.id for f in flags]})


# --- the result -----------------------------------------------------------------------

def result(session: Session, competition: Competition,
           panel: list[PanelMember] | None = None) -> Result | None:
    """The best-value result once every member has scored (None before: sealed)."""
    panel = members(session, competition.id) if panel is None else panel
    if not panel_complete(panel) or not competition.quotes or not competition.evaluation_plan:
        return None
    quotes = [(q.id, q.evaluated_total, aware(q.submitted_at)) for q in competition.quotes]
    scores = {m.expert_id: {int(qid): {k: Decimal(v) for k, v in given.items()}
                            for qid, given in (m.scores or {}).items()} for m in panel}
    return compute(competition.evaluation_plan, quotes, scores)


def rank_best_value(session: Session, competition: Competition
                    ) -> list[tuple[Quote, Decimal]] | None:
    """The awards ranker for "best_value": quotes by total, once the panel is complete."""
    outcome = result(session, competition)
    if outcome is None:
        return None
    by_id = {q.id: q for q in competition.quotes}
    return [(by_id[r.quote_id], r.total) for r in outcome.quotes]
