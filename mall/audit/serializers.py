"""The audit trail's JSON shape."""

from __future__ import annotations

from typing import Any

from mall.audit.models import AuditEvent


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id, "occurred_at": event.occurred_at.isoformat(),
        "actor_user_id": event.actor_user_id,
        "actor_organization_id": event.actor_organization_id, "action": event.action,
        "target_type": event.target_type, "target_id": event.target_id,
        "before": event.before, "after": event.after, "reason": event.reason,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }
