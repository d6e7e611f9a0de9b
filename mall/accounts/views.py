"""Accounts: bearer tokens, login pages, and the center's organization and user admin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import select

from mall.accounts import services
from mall.accounts.models import Organization, Role, User
from mall.accounts.permissions import (
    CENTER,
    api_guard,
    bearer_token,
    client_address,
    public,
    token_required,
)
from mall.accounts.schemas import (
    OrganizationCreateSchema,
    OrganizationListQuerySchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    PasswordChangeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
)
from mall.accounts.serializers import organization_json, user_json
from mall.apidoc import documented, page_of
from mall.db import db
from mall.errors import NotFound, RuleViolation
from mall.http import json_body, load, no_store, paginate

api = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


@api.post("/auth/token")
@documented(body=TokenRequestSchema, responses={201: TokenSchema}, errors=[429],
            examples={"request": {"email": "buyer@example.cn", "password": "…"}})
@public
def create_token() -> Any:
    """Exchange an email and password for a bearer token."""
    no_store()
    data = load(TokenRequestSchema(), json_body())
    session = db.session()
    config = current_app.config["MALL"]
    user = services.authenticate(session, config, data["email"], data["password"],
                                 client_address())
    issued = services.issue_token(session, config, user)
    return {"token": issued.token, "expires_at": issued.expires_at.isoformat()}, 201


@api.delete("/auth/token")
@documented(responses={204: None})
@token_required
def revoke_token(user: User) -> Any:
    """Revoke the bearer token this request carries."""
    services.revoke_token(db.session(), bearer_token() or "")
    return "", 204


@api.get("/me")
@documented(responses={200: UserSchema})
@api_guard()
def me(user: User) -> Any:
    return user_json(user)


@api.put("/me/password")
@documented(body=PasswordChangeSchema, responses={204: None}, errors=[422, 429])
@api_guard()
def change_password(user: User) -> Any:
    """Change the caller's password; their sessions and every other token of theirs end."""
    data = load(PasswordChangeSchema(), json_body())
    session = db.session()
    services.change_password(session, current_app.config["MALL"], user,
                             data["current_password"], data["new_password"],
                             client_address(), keep_token=bearer_token())
    session.commit()
    return "", 204


@api.post("/admin/organizations")
@documented(body=OrganizationCreateSchema, responses={201: OrganizationSchema},
            errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def create_organization(user: User) -> Any:
    data = load(OrganizationCreateSchema(), json_body())
    session = db.session()
    org = services.create_organization(session, user, **data)
    session.commit()
    return organization_json(org), 201


@api.get("/admin/organizations")
@documented(query=OrganizationListQuerySchema,
            responses={200: page_of(OrganizationSchema)}, paginated=True)
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def list_organizations(user: User) -> Any:
    query = select(Organization).order_by(Organization.id)
    if kind := request.args.get("kind"):
        query = query.where(Organization.kind == kind)
    if status := request.args.get("status"):
        query = query.where(Organization.status == status)
    return paginate(db.session(), query, organization_json)


@api.get("/admin/organizations/<int:org_id>")
@documented(responses={200: OrganizationSchema})
@api_guard(Role.center_admin, Role.auditor, kinds=CENTER)
def get_organization(org_id: int, user: User) -> Any:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return organization_json(org)


@api.patch("/admin/organizations/<int:org_id>")
@documented(body=OrganizationUpdateSchema, responses={200: OrganizationSchema},
            errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def update_organization(org_id: int, user: User) -> Any:
    data = load(OrganizationUpdateSchema(), json_body())
    session = db.session()
    org = session.get(Organization, org_id, with_for_update=True)
    if org is None:
        raise NotFound("No such organization.")
    if org.id == user.organization_id and data.get("status", "active") != "active":
        raise RuleViolation("The center cannot suspend itself.", code="cannot_suspend_self")
    services.update_organization(session, user, org, data)
    session.commit()
    return organization_json(org)


@api.post("/admin/users")
@documented(body=UserCreateSchema, responses={201: UserSchema}, errors=[409, 422])
@api_guard(Role.center_admin, kinds=CENTER)
def create_user(user: User) -> Any:
    data = load(UserCreateSchema(), json_body())
    session = db.session()
    org = session.get(Organization, data["organization_id"])
    if org is None:
        raise RuleViolation("No such organization.", code="unknown_organization",
                            details={"problems": [{"field": "organization_id",
                                                   "code": "unknown",
                                                   "message": "no such organization"}]})
    created = services.create_user(session, user, email=data["email"],
                                   password=data["password"], name=data["name"],
                                   organization=org, roles=data["roles"])
    session.commit()
    return user_json(created), 201
