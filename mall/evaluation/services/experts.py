"""The shared expert pool: registration by the center, conflicts declared by experts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, Role, User
from mall.accounts.services import create_user, ensure_center
from mall.audit.services import record
from mall.catalog.models import Category
from mall.errors import NotFound, RuleViolation
from mall.evaluation.models import ConflictKind, Expert, ExpertConflict


def _problems(field: str, code: str, values: list[Any], what: str) -> list[dict[str, str]]:
    return [{"field": field, "code": code, "message": f"No such {what}: {v}."} for v in values]


def register_expert(session: Session, actor: User, data: dict[str, Any]) -> Expert:
    """A user with role ``expert`` in the center, with region, specialties and affiliations."""
    codes = sorted(set(data["specialties"]))
    known = set(session.scalars(select(Category.code).where(Category.code.in_(codes))))
    org_ids = sorted(set(data.get("affiliations") or []))
    orgs = set(session.scalars(select(Organization.id).where(Organization.id.in_(org_ids))))
    problems = (_problems("specialties", "unknown_category", sorted(set(codes) - known),
                          "category")
                + _problems("affiliations", "unknown_organization",
                            sorted(set(org_ids) - orgs), "organization"))
    if problems:
        raise RuleViolation("The expert was not registered.", code="expert_refused",
                            details={"problems": problems})
    user = create_user(session, actor, email=data["email"], password=data["password"],
                       name=data["name"], organization=ensure_center(session),
                       roles=[Role.expert])
    expert = Expert(user_id=user.id, region=data["region"], specialties=codes)
    session.add(expert)
    session.add_all(ExpertConflict(expert_id=user.id, organization_id=org_id,
                                   kind=ConflictKind.affiliation,
                                   reason="affiliation registered by the center")
                    for org_id in org_ids)
    session.flush()
    record(session, action="expert.register", target_type="user", target_id=user.id,
           actor=actor, after={"region": expert.region, "specialties": codes,
                               "affiliations": org_ids})
    return expert


def expert_of(session: Session, user: User) -> Expert:
    expert = session.get(Expert, user.id)
    if expert is None:
        raise NotFound("You are not registered in the expert pool.", code="expert_not_found")
    return expert


def declare_conflict(session: Session, user: User, organization_id: int,
                     reason: str) -> ExpertConflict:
    """An expert declares an organization they must not evaluate for (idempotent)."""
    expert = expert_of(session, user)
    if session.get(Organization, organization_id) is None:
        raise NotFound(f"Organization {organization_id} does not exist.",
                       code="organization_not_found")
    existing = session.scalar(select(ExpertConflict).where(
        ExpertConflict.expert_id == expert.user_id,
        ExpertConflict.organization_id == organization_id,
        ExpertConflict.kind == ConflictKind.declared))
    if existing is not None:
        return existing
    conflict = ExpertConflict(expert_id=expert.user_id, organization_id=organization_id,
                              kind=ConflictKind.declared, reason=reason)
    session.add(conflict)
    session.flush()
    record(session, action="expert.conflict", target_type="user", target_id=user.id,
           actor=user, after={"organization_id": organization_id}, reason=reason)
    return conflict


def conflicts_of(session: Session, expert_ids: list[int]) -> list[ExpertConflict]:
    if not expert_ids:
        return []
    return list(session.scalars(select(ExpertConflict).where(
        ExpertConflict.expert_id.in_(expert_ids)).order_by(ExpertConflict.id)))

