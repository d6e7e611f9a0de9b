"""Notifications as JSON, the message rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from mall.notifications.messages import render
from mall.notifications.models import Notification


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id, "kind": n.kind, "message": render(n.kind, n.params or {}),
        "target_type": n.target_type, "target_id": n.target_id, "link": n.link,
        "params": n.params or {}, "created_at": n.created_at.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
    }
