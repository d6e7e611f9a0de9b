from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text

from mall.accounts.permissions import public
from mall.apidoc import documented
from mall.db import db
from mall.health.schemas import HealthSchema
from mall.search.client import search_backend

api = Blueprint("health", __name__)


@api.get("/healthz")
@documented(responses={200: HealthSchema, 503: HealthSchema})
@public
def healthz() -> Any:
    """Liveness of the backing services: 200 when all are ok, 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ok"; the reason is reported
        checks["database"] = f"error: {type(exc).__name__}"
        db.session.rollback()
    try:
        health = search_backend.engine().health()
        checks["search"] = "ok" if health.get("status") in ("green", "yellow") else (
            f"error: cluster {health.get('status')}")
    except Exception as exc:
        checks["search"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    response = jsonify({**checks, "status": "ok" if ok else "degraded"})
    response.status_code = 200 if ok else 503
    return response
