"""Requirement checks and standards API: thin handlers over ``mall.standards.services``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from mall.accounts.models import Role, User
from mall.accounts.permissions import CENTER, api_guard, public
from mall.apidoc import documented, page_of
from mall.db import db
from mall.errors import BadRequest
from mall.http import json_body, load, paginate
from mall.standards import services
from mall.standards.schemas import (
    FindingsSchema,
    RequirementCheckSchema,
    StandardCreateSchema,
    StandardListQuerySchema,
    StandardQuerySchema,
    StandardSchema,
)
from mall.standards.serializers import findings_json, standard_json

api = Blueprint("standards_api", __name__, url_prefix="/api/v1")


@api.post("/requirements/check")
@documented(body=RequirementCheckSchema, responses={200: FindingsSchema},
            examples={"request": {"text": "要求品牌为联想"}})
@public
def check_requirement() -> Any:
    """Check a requirement text for named brands or models and discriminatory conditions."""
    data = load(RequirementCheckSchema(), json_body())
    findings = services.check_text(db.session(), data["text"], data.get("category_code"))
    return findings_json(findings)


@api.post("/admin/standards")
@documented(body=StandardCreateSchema, responses={201: StandardSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def create_standard(user: User) -> Any:
    """Create a requirement standard, or a new version of an existing code."""
    data = load(StandardCreateSchema(), json_body())
    session = db.session()
    currency = services.CURRENCY_BY_JURISDICTION.get(current_app.config["MALL"].jurisdiction,
                                                     "CNY")
    standard = services.create_standard(session, user, data, currency)
    session.commit()
    return standard_json(standard, services.history(session, standard.code)), 201


@api.get("/standards")
@documented(query=StandardListQuerySchema, responses={200: page_of(StandardSchema)},
            paginated=True)
@public
def list_standards() -> Any:
    """The latest version of every standard, optionally of one category (and its children)."""
    session = db.session()
    query = services.standards_query(session, request.args.get("category") or None)
    return paginate(session, query, standard_json)


def _version_arg() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    try:
        version = int(raw)
    except ValueError:
        version = 0
    if version < 1:
        raise BadRequest("version is a whole number from 1.", code="invalid_version",
                         details={"field": "version"})
    return version


@api.get("/standards/<code>")
@documented(query=StandardQuerySchema, responses={200: StandardSchema})
@public
def get_standard(code: str) -> Any:
    """A standard's latest version (or ``?version=N``), with its version history."""
    session = db.session()
    standard = services.get_standard(session, code, _version_arg())
    return standard_json(standard, services.history(session, code))
