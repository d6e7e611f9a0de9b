"""What the pages show of who did what: the audit events of a requisition or an order.

The audit trail is the one record of every transition (who, when, why), so the timelines
and the "rejected by … because …" lines read it rather than keeping a second history.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.models import AuditEvent


def events_of(session: Session, target_type: str, target_id: int,
              prefix: str | None = None) -> list[AuditEvent]:
    """The events about one record, oldest first; ``prefix`` keeps e.g. ``order.`` only."""
    query = select(AuditEvent).where(AuditEvent.target_type == target_type,
                                     AuditEvent.target_id == str(target_id))
    if prefix:
        query = query.where(AuditEvent.action.startswith(prefix))
    return list(session.scalars(query.order_by(AuditEvent.id)))


def user_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names by user id (ids without a user are left out)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}
