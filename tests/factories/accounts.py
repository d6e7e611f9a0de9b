"""Organizations, users and tokens for tests."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User, UserRole
from mall.accounts.services import hash_password

PASSWORD = "test-password-1"
# Hashing is deliberately slow; every test user shares one precomputed hash.
PASSWORD_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def make_org(session: Session, kind: str = "purchaser", **fields: Any) -> Organization:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "name": f"{kind.title()} Org {n}",
        "kind": kind,
        "region": "CN-BJ",
        "size": "small" if kind == "supplier" else None,
        "status": "active",
        "credit_code": f"91110000TEST{n:06d}",
    }
    defaults.update(fields)
    org = Organization(**defaults)
    session.add(org)
    session.flush()
    return org


def make_user(
    session: Session,
    organization: Organization | None = None,
    roles: tuple[str, ...] = ("buyer",),
    **fields: Any,
) -> User:
    n = next(_seq)
    organization = organization or make_org(session)
    defaults: dict[str, Any] = {
        "email": f"user{n}@test.example",
        "name": f"Test User {n}",
        "password_hash": PASSWORD_HASH,
    }
    defaults.update(fields)
    user = User(organization=organization, role_rows=[UserRole(role=r) for r in roles],
                **defaults)
    session.add(user)
    session.flush()
    return user


def center_admin(session: Session) -> User:
    return make_user(session, make_org(session, kind="center", region="*"),
                     roles=("center_admin",))


def supplier_admin(session: Session, size: str = "small", **org_fields: Any) -> User:
    return make_user(session, make_org(session, kind="supplier", size=size, **org_fields),
                     roles=("supplier_admin",))


def buyer(session: Session, region: str = "CN-BJ", **org_fields: Any) -> User:
    return make_user(session, make_org(session, kind="purchaser", region=region, **org_fields),
                     roles=("buyer",))


def approval_limits(org: Organization, one: str | None, collective: str | None,
                    approvers: int | None) -> None:
    org.approval_one_approver_above = Decimal(one) if one else None
    org.approval_collective_above = Decimal(collective) if collective else None
    org.approval_collective_approvers = approvers


def auth_headers(app: Any, session: Session, user: User) -> dict[str, str]:
    """A bearer token for ``user``, issued through the real token service."""
    from mall.accounts.services import issue_token

    issued = issue_token(session, app.config["MALL"], user)
    return {"Authorization": f"Bearer {issued.token}"}
