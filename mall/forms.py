"""What the HTML pages share when a form runs a service: commit on success, say why not.

Refusals are shown as sentences in the reader's language, never as the dicts the schemas
and services return (``price: Not a valid number.``, not ``{'price': [...]}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import flash
from sqlalchemy.orm import Session

from mall.errors import ApiError, refusal_text
from mall.i18n import N_, gettext, translate
from mall.i18n import lazy_gettext as _l

# Form fields by name, for "Price: …" rather than "price: …".
FIELD_LABELS = {
    "price": _l("Price"), "stock": _l("Stock"), "status": _l("Status"),
    "quantity": _l("Quantity"), "reason": _l("Reason"), "unit_price": _l("Unit price"),
    "lead_time_days": _l("Lead time"), "valid_until": _l("Valid until"),
    "title": _l("Title"), "justification": _l("Justification"),
    # the delivery address book (mall.accounts.addresses)
    "label": _l("Label"), "recipient_name": _l("Recipient"), "phone": _l("Phone"),
    "line1": _l("Address line 1"), "line2": _l("Address line 2"), "city": _l("City"),
    "postal_code": _l("Postal code"), "region": _l("Region"),
}

# marshmallow's own messages, so the catalogs carry them (its wording, our translation).
SCHEMA_MESSAGES = (
    N_("Not a valid number."), N_("Not a valid integer."), N_("Not a valid string."),
    N_("Not a valid date."), N_("Not a valid datetime."), N_("Not a valid boolean."),
    N_("Missing data for required field."), N_("Unknown field."), N_("Field may not be null."),
    N_("Invalid input type."), N_("Invalid value."),
)


def field_label(name: str) -> str:
    found = FIELD_LABELS.get(name)
    return str(found) if found is not None else name


def about(field: str, message: str) -> str:
    """``Price: Not a valid number.`` / ``价格：不是有效的数字。``"""
    return str(gettext("%(field)s: %(message)s", field=field, message=message))


def describe_errors(messages: Any, fields: tuple[str, ...] = ()) -> list[str]:
    """Schema errors (nested dicts and lists of messages) as ``Field: message.`` sentences."""
    if isinstance(messages, Mapping):
        out: list[str] = []
        for name, inner in messages.items():
            label = field_label(str(name)) if not str(name).isdigit() else f"#{int(name) + 1}"
            out.extend(describe_errors(inner, fields if name == "_schema" else
                                       (*fields, label)))
        return out
    if isinstance(messages, list | tuple):
        return [line for m in messages for line in describe_errors(m, fields)]
    text = translate(messages)
    return [about(" · ".join(fields), text) if fields else text]


def refusal(exc: ApiError) -> str:
    """A service's refusal as one sentence: its message, then each problem it names."""
    problems = (exc.details or {}).get("problems") or []
    lines = [refusal_text(exc.message, exc.code)]
    for p in problems:
        if isinstance(p, Mapping):
            field = p.get("field")
            text = translate(p.get("message", ""))
            lines.append(about(field_label(str(field)), text) if field else text)
    return " ".join(line for line in lines if line)


def run_action(session: Session, action: Callable[[], Any], done: str | None = None) -> bool:
    """Run ``action``; commit and flash ``done``, or roll back and flash the refusal.

    True when it went through. Pages redirect either way, so a refresh never repeats a post.
    """
    try:
        action()
    except ApiError as exc:
        session.rollback()
        flash(refusal(exc), "error")
        return False
    session.commit()
    if done:
        flash(str(done), "ok")
    return True


__all__ = ["SCHEMA_MESSAGES", "about", "describe_errors", "field_label", "refusal", "run_action"]
