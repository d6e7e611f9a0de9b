"""What the center's screens share: the blueprint, who may read and write, form helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from flask import Blueprint, flash
from sqlalchemy.orm import Session

from mall.accounts.models import Role
from mall.accounts.permissions import CENTER, page_guard
from mall.errors import ApiError, RuleViolation

pages = Blueprint("center_pages", __name__, url_prefix="/center")

F = TypeVar("F", bound=Callable[..., Any])

# Auditors read every center page; only center admins write, and each write is audited by
# the service it calls.
read_guard: Callable[[F], F] = page_guard(Role.center_admin, Role.auditor, kinds=CENTER)
write_guard: Callable[[F], F] = page_guard(Role.center_admin, kinds=CENTER)

MAX_FLASHED_PROBLEMS = 50
MAX_REASON = 2000


def run_form(session: Session, action: Callable[[], Any], done: str) -> bool:
    """Run a service for a form: commit and say so, or roll back and list every problem."""
    try:
        action()
    except ApiError as exc:
        session.rollback()
        flash(exc.message, "error")
        for item in (exc.details or {}).get("problems", [])[:MAX_FLASHED_PROBLEMS]:
            flash(f"{item.get('field')}: {item.get('message')}", "error")
        return False
    session.commit()
    flash(done, "ok")
    return True


def form_text(value: str | None, limit: int | None = None) -> str | None:
    """A free-text field of a form: trimmed (and cut to ``limit`` when given); empty is None."""
    return (value or "").strip()[:limit] or None


def form_reason(form: Mapping[str, str]) -> str | None:
    """The ``reason`` a status change gives (stored with its audit event)."""
    return form_text(form.get("reason"), MAX_REASON)


def form_amount(value: str | None, field: str) -> Decimal | None:
    """A money field of a form: empty is None; anything else must be a positive amount."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("-1")
    if not amount.is_finite() or amount <= 0:
        raise RuleViolation(f"{field}: {value!r} is not a positive amount.", code="bad_amount",
                            details={"problems": [{"field": field, "code": "invalid",
                                                   "message": value}]})
    return amount.quantize(Decimal("0.01"))


def form_int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise RuleViolation(f"{field}: {value!r} is not a number.", code="bad_number",
                            details={"problems": [{"field": field, "code": "invalid",
                                                   "message": str(value)}]}) from None
