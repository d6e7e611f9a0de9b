"""Suspensions with an end date lift by themselves (the worker's ``lift-suspensions`` task).

A suspension "until 2026-12-31" holds through that day and lifts on the next one. Lifting
goes through ``update_organization`` like the center's own change, so it is audited (with
no actor: the system) and a supplier's offers are reindexed through the outbox.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus
from mall.accounts.services import update_organization
from mall.db import utcnow

REASON = "suspension ended"


def lift_ended_suspensions(session: Session, today: date, limit: int = 500) -> list[int]:
    """Reactivate organizations whose suspension ended before ``today``; their ids.

    Rows another transaction holds (the center changing the status right now) are skipped
    and picked up on the next run, after that change is committed and re-read.
    """
    due = session.scalars(
        select(Organization)
        .where(Organization.status == OrganizationStatus.suspended,
               Organization.status_until.is_not(None), Organization.status_until < today)
        .order_by(Organization.id).limit(limit)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)).all()
    for org in due:
        update_organization(session, None, org, {
            "status": OrganizationStatus.active, "reason": REASON, "status_reason": None,
            "status_since": utcnow(), "status_until": None})
    return [org.id for org in due]
