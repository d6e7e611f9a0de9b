"""Payments API and pages."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("payments_api", __name__, url_prefix="/api/v1")
pages = Blueprint("payments_pages", __name__)
