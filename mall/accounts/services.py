"""Accounts: password hashing, login throttling, bearer tokens, organizations and users."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import (
    ROLES_BY_KIND,
    ApiToken,
    LoginAttempt,
    Organization,
    OrganizationKind,
    Role,
    User,
    UserRole,
)
from mall.audit import services as audit
from mall.config import Config
from mall.db import utcnow
from mall.errors import Conflict, RuleViolation, TooManyRequests, Unauthorized
from mall.outbox.services import enqueue

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_throttle(session: Session, config: Config, email: str, address: str) -> None:
    since = utcnow() - timedelta(minutes=config.login_failure_window_minutes)
    failures = select(func.count()).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= since
    )
    by_account = session.scalar(failures.where(LoginAttempt.email == email)) or 0
    by_address = session.scalar(failures.where(LoginAttempt.address == address)) or 0
    if (
        by_account >= config.login_max_failures_per_account
        or by_address >= config.login_max_failures_per_address
    ):
        raise TooManyRequests(
            f"Too many failed logins; wait {config.login_failure_window_minutes} minutes "
            "and try again.",
            code="login_throttled",
            details={"retry_after_seconds": config.login_failure_window_minutes * 60},
        )


def authenticate(
    session: Session, config: Config, email: str, password: str, address: str
) -> User:
    """Check credentials, throttled per account and per address; commits the attempt."""
    email = normalize_email(email)
    _check_throttle(session, config, email, address)
    user = session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password) and bool(user)
    session.add(LoginAttempt(email=email, address=address, succeeded=ok))
    if ok and user is not None:
        if not user.is_active:
            session.commit()
            raise Unauthorized("This account or its organization is not active.",
                               code="account_inactive")
        user.last_login_at = utcnow()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.commit()
        return user
    session.commit()
    raise Unauthorized("Email or password is wrong.", code="invalid_credentials")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_token(session: Session, config: Config, user: User) -> IssuedToken:
    token = "mall_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=config.token_ttl_hours)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires_at))
    session.commit()
    return IssuedToken(token=token, expires_at=expires_at)


def _live_token(session: Session, token: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    return None if row is None or row.revoked_at is not None else row


def user_for_token(session: Session, token: str) -> User | None:
    row = _live_token(session, token)
    if row is None:
        return None
    expires_at = row.expires_at
    now = utcnow()
    if expires_at.tzinfo is None:  # SQLite returns naive UTC
        now = now.replace(tzinfo=None)
    if expires_at <= now:
        return None
    return row.user if row.user.is_active else None


def revoke_token(session: Session, token: str) -> bool:
    row = _live_token(session, token)
    if row is None:
        return False
    row.revoked_at = utcnow()
    session.commit()
    return True


def organization_snapshot(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name,
        "kind": org.kind,
        "region": org.region,
        "size": org.size,
        "status": org.status,
        "credit_code": org.credit_code,
        "approval_one_approver_above": org.approval_one_approver_above,
        "approval_collective_above": org.approval_collective_above,
        "approval_collective_approvers": org.approval_collective_approvers,
    }


def create_organization(session: Session, actor: User | None, **fields: Any) -> Organization:
    if fields.get("credit_code") and session.scalar(
        select(Organization.id).where(Organization.credit_code == fields["credit_code"])
    ):
        raise Conflict("An organization with this credit code exists.",
                       code="duplicate_credit_code")
    if fields["kind"] == OrganizationKind.supplier and not fields.get("size"):
        raise RuleViolation("A supplier needs a size class.", code="size_required",
                            details={"problems": [{"field": "size", "code": "required",
                                                   "message": "required for suppliers"}]})
    org = Organization(**fields)
    session.add(org)
    session.flush()
    audit.record(session, action="organization.create", target_type="organization",
                 target_id=org.id, actor=actor, after=organization_snapshot(org))
    return org


def create_user(
    session: Session,
    actor: User | None,
    *,
    email: str,
    password: str,
    name: str,
    organization: Organization,
    roles: Iterable[str],
) -> User:
    email = normalize_email(email)
    roles = sorted(set(roles))
    allowed = ROLES_BY_KIND[OrganizationKind(organization.kind)]
    bad = [r for r in roles if r not in {x.value for x in allowed}]
    if bad:
        raise RuleViolation(
            f"A {organization.kind} organization's users cannot hold: {', '.join(bad)}.",
            code="role_not_allowed",
            details={"problems": [{"field": "roles", "code": "not_allowed", "message": r}
                                  for r in bad]},
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
            code="weak_password",
            details={"problems": [{"field": "password", "code": "too_short",
                                   "message": f"at least {MIN_PASSWORD_LENGTH} characters"}]},
        )
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("A user with this email exists.", code="duplicate_email")
    user = User(email=email, password_hash=hash_password(password), name=name,
                organization=organization, role_rows=[UserRole(role=r) for r in roles])
    session.add(user)
    session.flush()
    audit.record(session, action="user.create", target_type="user", target_id=user.id,
                 actor=actor, after={"email": email, "organization_id": organization.id,
                                     "roles": roles})
    return user


def ensure_center(session: Session, name: str = "Central Procurement Center") -> Organization:
    org = session.scalar(
        select(Organization).where(Organization.kind == OrganizationKind.center).limit(1)
    )
    if org is None:
        org = create_organization(session, None, name=name, kind=OrganizationKind.center,
                                  region="*")
    return org


def create_center_admin(session: Session, email: str, password: str, name: str) -> User:
    """Bootstrap a center admin (``mall admin create``)."""
    center = ensure_center(session)
    return create_user(session, None, email=email, password=password, name=name,
                       organization=center, roles=[Role.center_admin])


def update_organization(
    session: Session, actor: User, org: Organization, changes: dict[str, Any]
) -> Organization:
    """Change status, limits or contacts; a supplier's status change reindexes its offers.

    One outbox event names the supplier; the indexer expands it to every offer, so a
    supplier with 50,000 offers costs one row here.
    """
    before = organization_snapshot(org)
    reason = changes.pop("reason", None)
    limits = changes.pop("approval_limits", None)
    for key, value in (limits or {}).items():
        # one_approver_above, collective_above, collective_approvers
        setattr(org, f"approval_{key}", value)
    status_changed = "status" in changes and changes["status"] != org.status
    for key, value in changes.items():
        setattr(org, key, value)
    if status_changed and org.kind == OrganizationKind.supplier:
        enqueue(session, "supplier", [org.id], reason=f"supplier.{org.status}")
    session.flush()
    audit.record(session, action="organization.update", target_type="organization",
                 target_id=org.id, actor=actor, before=before,
                 after=organization_snapshot(org), reason=reason)
    return org
