"""Accounts: password hashing, login throttling, bearer tokens, organizations and users."""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import (
    ROLES_BY_KIND,
    ApiToken,
    LoginAttempt,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    User,
    UserRole,
)
from mall.audit import services as audit
from mall.config import Config
from mall.db import utcnow
from mall.errors import Conflict, RuleViolation, TooManyRequests, Unauthorized
from mall.i18n import N_
from mall.outbox.services import enqueue

_hasher = PasswordHasher()
# Verifying against this keeps the timing of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10
# zxcvbn's estimate: 3 = "safely unguessable: moderate protection from an offline
# slow-hash attack" (argon2 here). It rates at most its first 72 characters.
MIN_PASSWORD_SCORE = 3
_RATED_LENGTH = 72


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def password_problems(
    password: str, user_inputs: Iterable[str] = (), field: str = "password"
) -> list[dict[str, str]]:
    """Why ``password`` would be refused ([] when it is fine), as {field, code, message}.

    ``user_inputs`` (the user's email and name) count as easy to guess.
    """

    def problem(code: str, message: str) -> dict[str, str]:
        return {"field": field, "code": code, "message": message}

    if not password.strip():
        return [problem("whitespace_only", "A password cannot be only spaces or blanks.")]
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
        return [problem("control_characters",
                        "A password cannot contain control characters (such as NUL, tab or "
                        "escape) or unpaired surrogates.")]
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(problem("too_short", f"Use at least {MIN_PASSWORD_LENGTH} characters."))
    inputs = [part for text in user_inputs for part in
              (text, *text.replace("@", " ").replace(".", " ").split()) if part]
    # Imported here: its word lists load in ~30 ms that only password checks should pay.
    from zxcvbn import zxcvbn

    rating = cast(dict[str, Any], zxcvbn(password[:_RATED_LENGTH], user_inputs=inputs))
    if rating["score"] < MIN_PASSWORD_SCORE:
        feedback = rating["feedback"]
        reasons = [feedback.get("warning") or "It is easy to guess.",
                   *feedback.get("suggestions", [])]
        problems.append(problem("too_weak", " ".join(r for r in reasons if r)))
    return problems


def check_password(
    password: str, user_inputs: Iterable[str] = (), field: str = "password"
) -> None:
    """Refuse a common, repetitive, blank or control-character password (422)."""
    problems = password_problems(password, user_inputs, field)
    if problems:
        raise RuleViolation(
            "This password is too easy to guess or cannot be used: "
            + " ".join(p["message"] for p in problems),
            code="weak_password", details={"problems": problems})


# The first slow-down after an account's failures reach the limit; it doubles with each more.
SLOWDOWN_BASE_SECONDS = 2


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


def _seconds(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds()))


def _throttled(message: str, seconds: int) -> TooManyRequests:
    return TooManyRequests(message, code="login_throttled",
                           details={"retry_after_seconds": seconds})


def _check_throttle(session: Session, config: Config, email: str, address: str) -> None:
    """Refuse a login attempt that comes too soon; nothing here locks out the real user.

    - one (account, address) pair and one address (whatever accounts it tries) are refused
      once their failures in the window reach their limits, until enough of them age out;
    - an account's failures from everywhere only slow down the addresses that failed for
      it: once they reach the account limit, such an address waits a delay after the
      account's last failure, doubling with each failure and capped far below the window.
      An address that has not failed for the account (the user's own) is never delayed.
    """
    now = utcnow()
    window = timedelta(minutes=config.login_failure_window_minutes)
    since = now - window
    failed: list[ColumnElement[bool]] = [LoginAttempt.succeeded.is_(False),
                                         LoginAttempt.attempted_at >= since]

    def locked_for(limit: int, *where: ColumnElement[bool]) -> int:
        """Seconds until fewer than ``limit`` such failures remain in the window."""
        times = session.scalars(
            select(LoginAttempt.attempted_at).where(*failed, *where)
            .order_by(LoginAttempt.attempted_at.desc()).limit(limit)
        ).all()
        return _seconds(_aware(times[-1]) + window - now) if len(times) >= limit else 0

    by_email = LoginAttempt.email == email
    by_address = LoginAttempt.address == address
    wait = max(locked_for(config.login_max_failures_per_pair, by_email, by_address),
               locked_for(config.login_max_failures_per_address, by_address))
    if wait:
        raise _throttled(f"Too many failed logins from this address; try again in "
                         f"{math.ceil(wait / 60)} minutes.", wait)

    if session.scalar(select(LoginAttempt.id).where(*failed, by_email, by_address)
                      .limit(1)) is None:
        return  # this address has not failed for this account: never slowed down
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(*failed, by_email)
    ).one()
    excess = count - config.login_max_failures_per_account
    if excess < 0 or last is None:
        return
    delay = min(config.login_slowdown_max_seconds,
                SLOWDOWN_BASE_SECONDS * 2 ** min(excess, 30))
    wait = _seconds(_aware(last) + timedelta(seconds=delay) - now)
    if wait:
        raise _throttled(f"Too many failed logins for this account; wait {wait} seconds and "
                         "try again.", wait)


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
            raise Unauthorized(N_("This account or its organization is not active."),
                               code="account_inactive")
        user.last_login_at = utcnow()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.commit()
        return user
    session.commit()
    raise Unauthorized(N_("Email or password is wrong."), code="invalid_credentials")


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


def end_sessions(user: User) -> None:
    """Every browser session of ``user`` ends (logout; the cookie's version no longer fits)."""
    user.session_version = (user.session_version or 1) + 1


def change_password(
    session: Session,
    config: Config,
    user: User,
    current_password: str,
    new_password: str,
    address: str,
    keep_token: str | None = None,
) -> None:
    """Set a new password after checking the current one (throttled like a login).

    Every session of the user ends and every token but ``keep_token`` (the caller's) is
    revoked. A wrong current password is committed as a failed login, then refused.
    """
    _check_throttle(session, config, user.email, address)
    if not verify_password(user.password_hash, current_password):
        session.add(LoginAttempt(email=user.email, address=address, succeeded=False))
        session.commit()
        raise RuleViolation(N_("The current password is wrong."), code="wrong_password",
                            details={"problems": [{"field": "current_password",
                                                   "code": "wrong",
                                                   "message": "not the current password"}]})
    check_password(new_password, user_inputs=[user.email, user.name], field="new_password")
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    revoke = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if keep_token:
        revoke = revoke.where(ApiToken.token_hash != _token_digest(keep_token))
    session.execute(revoke.values(revoked_at=utcnow()))
    audit.record(session, action="user.password_change", target_type="user",
                 target_id=user.id, actor=user)


def _end_organization_sessions(session: Session, org: Organization) -> None:
    """Every session and token of the organization's users ends; lifting a suspension later
    does not bring them back."""
    members = select(User.id).where(User.organization_id == org.id)
    session.execute(update(User).where(User.organization_id == org.id)
                    .values(session_version=User.session_version + 1))
    session.execute(update(ApiToken).where(ApiToken.user_id.in_(members),
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


SNAPSHOT_FIELDS = (
    "name", "kind", "region", "size", "status", "status_reason", "status_since", "status_until",
    "credit_code", "contact_email", "contact_phone", "jurisdiction", "delivery_addresses",
    "approval_one_approver_above", "approval_collective_above", "approval_collective_approvers",
)


def organization_snapshot(org: Organization) -> dict[str, Any]:
    return {name: getattr(org, name) for name in SNAPSHOT_FIELDS}


def create_organization(session: Session, actor: User | None, **fields: Any) -> Organization:
    if fields.get("credit_code") and session.scalar(
        select(Organization.id).where(Organization.credit_code == fields["credit_code"])
    ):
        raise Conflict(N_("An organization with this credit code exists."),
                       code="duplicate_credit_code")
    if fields["kind"] == OrganizationKind.supplier and not fields.get("size"):
        raise RuleViolation(N_("A supplier needs a size class."), code="size_required",
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
    check_password(password, user_inputs=[email, name])
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(N_("A user with this email exists."), code="duplicate_email")
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
    session: Session, actor: User | None, org: Organization, changes: dict[str, Any]
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
    if status_changed and org.status != OrganizationStatus.active:
        _end_organization_sessions(session, org)
    session.flush()
    audit.record(session, action="organization.update", target_type="organization",
                 target_id=org.id, actor=actor, before=before,
                 after=organization_snapshot(org), reason=reason)
    return org
