"""Catalog API and pages."""

from __future__ import annotations

from flask import Blueprint

api = Blueprint("catalog_api", __name__, url_prefix="/api/v1")
pages = Blueprint("catalog_pages", __name__)
