"""The panel draw: random among eligible experts, reproducible from its recorded seed.

Eligible: an expert with a specialty covering a line's category (a code covers its
descendants), active, and without a conflict (affiliation or declaration) with the
purchaser or any supplier that quoted. The draw shuffles the pool (in expert-id order) with
the seed and takes experts in that order, except that while the panel has one region only
it takes the next expert from another region if the pool has one. The seed, the pool and the
exclusions with reasons are stored and audited, so ``draw_panel`` on them gives the panel
again.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Role, User
from mall.audit.services import record
from mall.catalog.models import Category
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.evaluation.models import Expert, PanelDraw, PanelMember
from mall.evaluation.services.experts import conflicts_of
from mall.i18n import N_
from mall.locks import for_update
from mall.orders.models import Competition, CompetitionStatus
from mall.orders.services.competitions import quotes_visible_to_purchaser

MIN_REGIONS = 2


@dataclass(frozen=True)
class Candidate:
    expert_id: int
    region: str


def draw_panel(pool: list[Candidate], size: int, seed: str) -> list[Candidate]:
    """``size`` experts from ``pool``, the same ones for the same pool and seed."""
    if size > len(pool):
        raise ValueError("the pool is smaller than the panel")
    order = sorted(pool, key=lambda c: c.expert_id)
    random.Random(seed).shuffle(order)
    chosen: list[Candidate] = []
    while len(chosen) < size:
        regions = {c.region for c in chosen}
        pick = None
        if chosen and len(regions) < MIN_REGIONS:
            pick = next((c for c in order if c.region not in regions), None)
        pick = pick or order[0]
        order.remove(pick)
        chosen.append(pick)
    return chosen


def competition_for_panel(session: Session, user: User, competition_id: int,
                          lock: bool = False) -> Competition:
    """The competition, if the user is the center or belongs to its purchaser."""
    query = select(Competition).where(Competition.id == competition_id)
    competition = session.scalar(for_update(query) if lock else query)
    center = user.organization.kind == "center" and user.has_role(Role.center_admin,
                                                                     Role.auditor)
    # Panels rank best-value competitions, which are always a requisition's.
    if competition is None or competition.requisition is None or not (
            center
            or competition.requisition.purchaser_organization_id == user.organization_id):
        raise NotFound(f"Competition {competition_id} does not exist.",
                       code="competition_not_found")
    return competition


def _covers(specialties: list[str], category: Category) -> bool:
    return bool(set(specialties) & {*category.ancestor_codes, category.code})


def eligible_pool(session: Session, competition: Competition
                  ) -> tuple[list[Candidate], list[dict[str, object]]]:
    """The experts who may sit on the panel, and those left out with the reason."""
    assert competition.requisition is not None  # best value: always a requisition's
    categories = [session.get_one(Category, li.category_id)
                  for li in competition.requisition.lines]
    specialists = [e for e in session.scalars(select(Expert).order_by(Expert.user_id))
                   if all(_covers(e.specialties, c) for c in categories)]
    users = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([e.user_id for e in specialists])))}
    parties = {competition.requisition.purchaser_organization_id: "purchaser"} | {
        q.supplier_id: "quoting supplier" for q in competition.quotes}
    conflicted: dict[int, list[dict[str, object]]] = {}
    for conflict in conflicts_of(session, [e.user_id for e in specialists]):
        if conflict.organization_id in parties:
            conflicted.setdefault(conflict.expert_id, []).append({
                "expert_id": conflict.expert_id, "organization_id": conflict.organization_id,
                "kind": conflict.kind, "party": parties[conflict.organization_id],
                "reason": conflict.reason})
    pool: list[Candidate] = []
    exclusions: list[dict[str, object]] = []
    for expert in specialists:
        user = users.get(expert.user_id)
        if user is None or not user.active or not user.has_role(Role.expert):
            exclusions.append({"expert_id": expert.user_id, "kind": "inactive",
                               "reason": "the expert's account is not active"})
        elif expert.user_id in conflicted:
            exclusions.extend(conflicted[expert.user_id])
        else:
            pool.append(Candidate(expert.user_id, expert.region))
    return pool, exclusions


def draw(session: Session, user: User, competition_id: int,
         now: datetime | None = None, seed: str | None = None) -> PanelDraw:
    """Draw the panel of a best-value competition once quoting has ended (once only)."""
    now = now or utcnow()
    if not user.has_role(Role.buyer, Role.approver, Role.center_admin):
        raise NotFound(f"Competition {competition_id} does not exist.",
                       code="competition_not_found")
    competition = competition_for_panel(session, user, competition_id, lock=True)
    plan = competition.evaluation_plan
    if plan is None:
        raise RuleViolation(N_("This competition is on price alone; it has no panel."),
                            code="no_evaluation_plan")
    if competition.status != CompetitionStatus.open:
        raise Conflict(f"The competition is {competition.status}.", code="competition_not_open")
    if not quotes_visible_to_purchaser(competition, now):
        raise Conflict(N_("The panel is drawn after the deadline, when the quoting suppliers "
                       "(who may not be evaluated by anyone conflicted) are known."),
                       code="deadline_not_passed")
    if session.get(PanelDraw, competition.id) is not None:
        raise Conflict(N_("The panel has already been drawn."), code="panel_drawn")
    pool, exclusions = eligible_pool(session, competition)
    size = int(plan["panel_size"])
    if len(pool) < size:
        raise RuleViolation(
            f"The panel needs {size} experts but only {len(pool)} eligible ones are in the "
            f"pool ({len(exclusions)} left out for conflicts): {size - len(pool)} short. "
            "Register more experts with this specialty or reduce the panel.",
            code="panel_pool_too_small",
            details={"needed": size, "eligible": len(pool), "excluded": len(exclusions),
                     "shortfall": size - len(pool), "exclusions": exclusions})
    seed = seed or secrets.token_hex(16)
    chosen = draw_panel(pool, size, seed)
    panel = PanelDraw(competition_id=competition.id, seed=seed, panel_size=size,
                      pool=[{"expert_id": c.expert_id, "region": c.region} for c in pool],
                      exclusions=exclusions, drawn_by_id=user.id, drawn_at=now)
    session.add(panel)
    session.add_all(PanelMember(competition_id=competition.id, expert_id=c.expert_id,
                                region=c.region) for c in chosen)
    session.flush()
    record(session, action="panel.draw", target_type="competition", target_id=competition.id,
           actor=user, after={"seed": seed, "panel_size": size, "pool": panel.pool,
                              "exclusions": exclusions,
                              "panel": [c.expert_id for c in chosen]})
    return panel


def redraw(panel: PanelDraw) -> list[int]:
    """The panel as the stored seed and pool give it (an auditor's check)."""
    pool = [Candidate(int(c["expert_id"]), str(c["region"])) for c in panel.pool]
    return [c.expert_id for c in draw_panel(pool, panel.panel_size, panel.seed)]


def members(session: Session, competition_id: int) -> list[PanelMember]:
    return list(session.scalars(select(PanelMember).where(
        PanelMember.competition_id == competition_id).order_by(PanelMember.id)))
