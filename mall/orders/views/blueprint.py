"""The orders area's JSON blueprint, shared by its modules."""

from __future__ import annotations

from flask import Blueprint, request

api = Blueprint("orders_api", __name__, url_prefix="/api/v1")


def language() -> str:
    """The answer's language for texts a service words (Accept-Language, English default)."""
    return request.accept_languages.best_match(["en", "zh"], default="en") or "en"
