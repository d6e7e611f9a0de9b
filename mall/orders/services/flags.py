"""Resolving flags: dismiss with a reason, or act on them (suspend, debar, refer), audited.

A flag is resolved once. Suspending or debarring goes through the organization service, so
the supplier's offers leave search through the outbox and its users' sessions end.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, OrganizationStatus, User
from mall.accounts.services import update_organization
from mall.audit import services as audit
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.orders.models import Flag, FlagResolution, FlagStatus

# What each resolution does to the organization it names.
STATUS_FOR = {FlagResolution.suspend: OrganizationStatus.suspended,
              FlagResolution.debar: OrganizationStatus.debarred}


def _refused(message: str, field: str, code: str) -> RuleViolation:
    return RuleViolation(message, code="flag_resolution_refused", details={
        "problems": [{"field": field, "code": code, "message": message}]})


def get_flag(session: Session, flag_id: int, lock: bool = False) -> Flag:
    query = select(Flag).where(Flag.id == flag_id)
    flag = session.scalar(query.with_for_update() if lock else query)
    if flag is None:
        raise NotFound(f"No flag {flag_id}.")
    return flag


def resolve(session: Session, actor: User, flag_id: int, resolution: str, reason: str | None,
            organization_id: int | None = None, until: date | None = None) -> Flag:
    """Close a flag. ``suspend``/``debar`` name one of the flag's suppliers (the only one, if
    the flag names one); ``refer`` and ``dismiss`` change no organization. Every resolution
    needs a reason: it is what an auditor reads later."""
    if resolution not in {r.value for r in FlagResolution}:
        raise _refused(f"Unknown resolution {resolution!r}.", "resolution", "invalid")
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise _refused("Give a reason for the resolution.", "reason", "required")
    flag = get_flag(session, flag_id, lock=True)
    if flag.status != FlagStatus.open:
        raise Conflict(f"Flag {flag_id} is already {flag.status}.", code="flag_resolved")
    target: Organization | None = None
    if resolution in STATUS_FOR:
        suppliers = [int(s) for s in flag.supplier_ids or []]
        if organization_id is None and len(suppliers) == 1:
            organization_id = suppliers[0]
        if organization_id is None or organization_id not in suppliers:
            raise _refused("Choose one of the flag's suppliers to act on.", "organization_id",
                           "not_in_flag")
        target = session.get(Organization, organization_id, with_for_update=True)
        if target is None or target.kind != OrganizationKind.supplier:
            raise _refused(f"Organization {organization_id} is not a supplier.",
                           "organization_id", "not_supplier")
    before = {"status": flag.status}
    flag.status = FlagStatus.dismissed if resolution == FlagResolution.dismiss \
        else FlagStatus.acted
    flag.resolution, flag.reason = resolution, reason
    flag.resolved_by_id, flag.resolved_at = actor.id, utcnow()
    after: dict[str, Any] = {"status": flag.status, "resolution": resolution}
    if target is not None:
        status = STATUS_FOR[FlagResolution(resolution)]
        update_organization(session, actor, target, {
            "status": status, "status_reason": f"flag #{flag.id}: {reason}",
            "status_since": utcnow(), "status_until": until, "reason": reason})
        after["organization_id"] = target.id
    session.flush()
    audit.record(session, action="flag.resolve", target_type="flag", target_id=flag.id,
                 actor=actor, before=before, after=after, reason=reason)
    return flag
