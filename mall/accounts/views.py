"""Accounts: bearer tokens, login pages, and the center's organization and user admin."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy import select

from mall.accounts import addresses, services
from mall.accounts.models import Organization, Role, User
from mall.accounts.permissions import (
    CENTER,
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    api_guard,
    bearer_token,
    client_address,
    public,
    token_required,
)
from mall.accounts.schemas import (
    DeliveryAddressCreateSchema,
    DeliveryAddressListQuerySchema,
    DeliveryAddressSchema,
    DeliveryAddressUpdateSchema,
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
from mall.accounts.serializers import address_json, organization_json, user_json
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


# --- the purchaser's delivery address book ---------------------------------------------------

@api.get("/addresses")
@documented(query=DeliveryAddressListQuerySchema,
            responses={200: page_of(DeliveryAddressSchema)}, paginated=True)
@api_guard(*READER_ROLES, kinds=PURCHASER)
def address_list(user: User) -> Any:
    """The organization's delivery addresses, the default first (``archived=true``: the
    archived ones)."""
    args = load(DeliveryAddressListQuerySchema(), request.args.to_dict())
    query = addresses.addresses_query(user.organization_id, args.get("archived", False))
    return paginate(db.session(), query, address_json)


@api.post("/addresses")
@documented(body=DeliveryAddressCreateSchema, responses={201: DeliveryAddressSchema},
            errors=[422],
            examples={"request": {"label": "Head office", "recipient_name": "王伟",
                                  "phone": "+86 10 6500 0000", "line1": "东城区某路 1 号",
                                  "city": "北京", "postal_code": "100010", "region": "CN-BJ",
                                  "is_default": True}})
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_create(user: User) -> Any:
    """Add a delivery address; the first one (or one sent with ``is_default``) is the
    default that requisitions use when they name none."""
    data = load(DeliveryAddressCreateSchema(), json_body())
    session = db.session()
    address = addresses.create_address(session, user, data)
    session.commit()
    return address_json(address), 201


@api.patch("/addresses/<int:address_id>")
@documented(body=DeliveryAddressUpdateSchema, responses={200: DeliveryAddressSchema},
            errors=[409, 422])
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_update(address_id: int, user: User) -> Any:
    """Change an address or make it the default; orders already placed keep their copy."""
    data = load(DeliveryAddressUpdateSchema(), json_body())
    session = db.session()
    address = addresses.update_address(session, user, address_id, data)
    session.commit()
    return address_json(address)


@api.delete("/addresses/<int:address_id>")
@documented(responses={200: DeliveryAddressSchema})
@api_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_archive(address_id: int, user: User) -> Any:
    """Archive an address (it is kept, never deleted; orders keep their copy)."""
    session = db.session()
    address = addresses.archive_address(session, user, address_id)
    session.commit()
    return address_json(address)
