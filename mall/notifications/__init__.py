"""Notifications (the inbox): what happened that a signed-in user should know about.

- ``models``: one ``Notification`` per recipient, read or not.
- ``services``: derived from the audit events the other services already record — an audit
  listener (registered in ``init_app``) maps each action to its recipients in the same
  transaction, so no service knows about notifications and ``mall.audit`` never imports us.
- ``messages``: each kind's English message; rendered in the reader's language at read time.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Listen to audit events; give templates the header's unread count."""
    from mall.audit.services import add_listener
    from mall.notifications import services

    add_listener(services.on_audit_event)
    app.jinja_env.globals["unread_notifications"] = services.unread_count_for_current_user
