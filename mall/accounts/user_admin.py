"""The center's administration of users: roles and activation, audited.

(Kept beside ``services.py``, which holds authentication and organizations and is at its
size limit.) Functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from mall.accounts.models import ROLES_BY_KIND, ApiToken, OrganizationKind, User, UserRole
from mall.accounts.services import end_sessions
from mall.audit import services as audit
from mall.db import utcnow
from mall.errors import RuleViolation


def _refused(message: str, field: str, code: str) -> RuleViolation:
    return RuleViolation(message, code="user_change_refused", details={
        "problems": [{"field": field, "code": code, "message": message}]})


def set_roles(session: Session, actor: User, user: User, roles: Iterable[str]) -> User:
    """Replace the user's roles with ``roles`` (those its organization's kind allows)."""
    wanted = sorted(set(roles))
    allowed = {r.value for r in ROLES_BY_KIND[OrganizationKind(user.organization.kind)]}
    bad = [r for r in wanted if r not in allowed]
    if bad:
        raise _refused(f"A {user.organization.kind} organization's users cannot hold: "
                       f"{', '.join(bad)}.", "roles", "not_allowed")
    if not wanted:
        raise _refused("A user needs at least one role.", "roles", "required")
    if user.id == actor.id and "center_admin" not in wanted:
        raise _refused("You cannot remove your own center_admin role.", "roles", "self")
    before = sorted(user.roles)
    if before == wanted:
        return user
    user.role_rows = [UserRole(role=r) for r in wanted]
    session.flush()
    audit.record(session, action="user.roles", target_type="user", target_id=user.id,
                 actor=actor, before={"roles": before}, after={"roles": wanted})
    return user


def set_active(session: Session, actor: User, user: User, active: bool,
               reason: str | None = None) -> User:
    """Deactivate (its sessions and tokens end at once) or reactivate one user."""
    if user.id == actor.id and not active:
        raise _refused("You cannot deactivate yourself.", "active", "self")
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_sessions(user)
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
    session.flush()
    audit.record(session, action="user.activate" if active else "user.deactivate",
                 target_type="user", target_id=user.id, actor=actor,
                 before={"active": not active}, after={"active": active}, reason=reason)
    return user
