"""The attribute scope of a category, cached per process.

Every search with a category or an attribute filter needs the category's attribute
templates (which attributes it may filter on and which it counts); they change only when
the center edits categories, so each process keeps them for ``MALL_ATTRIBUTE_CACHE_SECONDS``
(0 turns the cache off). A commit that changes a category or an attribute template clears
this process's cache at once; other processes see the change within that many seconds.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from mall.catalog.models import Category, CategoryAttribute


class ScopeCache:
    def __init__(self) -> None:
        self._entries: dict[str | None, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str | None, ttl: float) -> Any | None:
        if ttl <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > ttl:
            return None
        return entry[1]

    def put(self, key: str | None, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


scope_cache = ScopeCache()
_TEMPLATES = (Category, CategoryAttribute)


@event.listens_for(Session, "after_flush")
def _note_template_changes(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _TEMPLATES) for obj in changed):
        session.info["attribute_templates_changed"] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop("attribute_templates_changed", False):
        scope_cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop("attribute_templates_changed", None)
