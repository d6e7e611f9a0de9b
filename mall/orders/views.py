"""Orders API and pages."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("orders_api", __name__, url_prefix="/api/v1")
pages = Blueprint("orders_pages", __name__)
