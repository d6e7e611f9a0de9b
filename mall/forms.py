"""What the HTML pages share when a form runs a service: commit on success, say why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash
from sqlalchemy.orm import Session

from mall.errors import ApiError


def run_action(session: Session, action: Callable[[], Any], done: str | None = None) -> bool:
    """Run ``action``; commit and flash ``done``, or roll back and flash the refusal.

    True when it went through. Pages redirect either way, so a refresh never repeats a post.
    """
    try:
        action()
    except ApiError as exc:
        session.rollback()
        flash(exc.message, "error")
        return False
    session.commit()
    if done:
        flash(done, "ok")
    return True
