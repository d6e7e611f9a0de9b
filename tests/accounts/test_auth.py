"""Bearer tokens, login throttling, the role-and-organization guard and the error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import ApiToken, LoginAttempt
from mall.db import utcnow
from tests.factories.accounts import (
    PASSWORD,
    auth_headers,
    buyer,
    center_admin,
    make_user,
    supplier_admin,
)


def assert_error_shape(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)


@pytest.mark.smoke
def test_token_for_valid_credentials_authenticates_later_calls(
    client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    token = response.json["token"]
    assert response.json["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["email"] == user.email
    assert me.json["roles"] == ["buyer"]
    # only the digest is stored, never the token itself
    stored = db_session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1


@pytest.mark.smoke
def test_wrong_password_is_401_in_the_error_shape(client: FlaskClient, db_session) -> None:
    user = buyer(db_session)
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope"})
    assert_error_shape(response, 401, "invalid_credentials")
    unknown = client.post("/api/v1/auth/token",
                          json={"email": "ghost@test.example", "password": "nope"})
    assert_error_shape(unknown, 401, "invalid_credentials")


def test_failed_logins_are_throttled_per_account_and_address(client: FlaskClient, db_session,
                                                              app) -> None:
    user = buyer(db_session)
    limit = app.config["MALL"].login_max_failures_per_pair
    for _ in range(limit):
        client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong"})
    # even the right password is refused from this address while throttled
    # (tests/accounts/test_login_throttle.py: other addresses are not)
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert_error_shape(response, 429, "login_throttled")
    # another account from another address is unaffected
    other = buyer(db_session)
    ok = client.post("/api/v1/auth/token", json={"email": other.email, "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert ok.status_code == 201


def test_failed_logins_are_throttled_per_address(client: FlaskClient, db_session, app) -> None:
    limit = app.config["MALL"].login_max_failures_per_address
    for i in range(limit):
        client.post("/api/v1/auth/token", json={"email": f"x{i}@test.example",
                                                "password": "wrong"},
                    environ_base={"REMOTE_ADDR": "127.0.0.7"})
    user = buyer(db_session)
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "127.0.0.7"})
    assert_error_shape(response, 429, "login_throttled")
    assert db_session.scalar(select(LoginAttempt).where(LoginAttempt.email == user.email)) is None


def test_old_failures_fall_out_of_the_window(client: FlaskClient, db_session, app) -> None:
    user = buyer(db_session)
    window = app.config["MALL"].login_failure_window_minutes
    for _ in range(10):
        db_session.add(LoginAttempt(email=user.email, address="127.0.0.1", succeeded=False,
                                    attempted_at=utcnow() - timedelta(minutes=window + 1)))
    db_session.flush()
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201


def test_expired_and_revoked_tokens_are_refused(client: FlaskClient, db_session, app) -> None:
    user = buyer(db_session)
    headers = auth_headers(app, db_session, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401, "token_invalid")

    headers = auth_headers(app, db_session, user)
    for token in db_session.scalars(select(ApiToken)):
        token.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401, "token_invalid")


@pytest.mark.smoke
def test_missing_token_is_401(client: FlaskClient) -> None:
    assert_error_shape(client.get("/api/v1/me"), 401, "token_missing")
    assert_error_shape(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}),
                       401, "token_invalid")


def test_guard_checks_role_and_organization_kind(client: FlaskClient, db_session, app) -> None:
    body = {"name": "New Bureau", "kind": "purchaser", "region": "CN-SH"}
    # a buyer is not a center admin
    response = client.post("/api/v1/admin/organizations", json=body,
                           headers=auth_headers(app, db_session, buyer(db_session)))
    assert_error_shape(response, 403, "wrong_organization_kind")
    # the role alone is not enough outside the center
    outsider = make_user(db_session, buyer(db_session).organization, roles=("auditor",))
    response = client.post("/api/v1/admin/organizations", json=body,
                           headers=auth_headers(app, db_session, outsider))
    assert response.status_code == 403
    # a center auditor may read but not write
    admin = center_admin(db_session)
    auditor = make_user(db_session, admin.organization, roles=("auditor",))
    response = client.post("/api/v1/admin/organizations", json=body,
                           headers=auth_headers(app, db_session, auditor))
    assert_error_shape(response, 403, "role_required")
    response = client.post("/api/v1/admin/organizations", json=body,
                           headers=auth_headers(app, db_session, admin))
    assert response.status_code == 201
    assert response.json["kind"] == "purchaser"


def test_suspended_organization_loses_access(client: FlaskClient, db_session, app) -> None:
    user = supplier_admin(db_session)
    headers = auth_headers(app, db_session, user)
    user.organization.status = "suspended"
    db_session.flush()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401, "token_invalid")
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert_error_shape(response, 401, "account_inactive")


@pytest.mark.smoke
def test_api_errors_are_json_never_html(client: FlaskClient) -> None:
    assert_error_shape(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error_shape(client.put("/api/v1/auth/token"), 405, "method_not_allowed")
    response = client.post("/api/v1/auth/token", data="{broken",
                           content_type="application/json")
    assert_error_shape(response, 400, "invalid_json")
    response = client.post("/api/v1/auth/token", json={"email": "not-an-email"})
    assert_error_shape(response, 400, "validation_failed")
    fields = {p["field"] for p in response.json["error"]["details"]["problems"]}
    assert fields == {"email", "password"}


def test_center_admin_creates_users_only_with_roles_their_org_may_hold(
    client: FlaskClient, db_session, app
) -> None:
    admin = center_admin(db_session)
    headers = auth_headers(app, db_session, admin)
    supplier = supplier_admin(db_session).organization
    response = client.post("/api/v1/admin/users", headers=headers, json={
        "email": "clerk@supplier.example", "password": "long-enough-pw", "name": "Clerk",
        "organization_id": supplier.id, "roles": ["buyer"]})
    assert_error_shape(response, 422, "role_not_allowed")
    response = client.post("/api/v1/admin/users", headers=headers, json={
        "email": "Clerk@Supplier.example", "password": "long-enough-pw", "name": "Clerk",
        "organization_id": supplier.id, "roles": ["supplier_admin"]})
    assert response.status_code == 201
    assert response.json["email"] == "clerk@supplier.example"
    again = client.post("/api/v1/admin/users", headers=headers, json={
        "email": "clerk@supplier.example", "password": "long-enough-pw", "name": "Clerk",
        "organization_id": supplier.id, "roles": ["supplier_admin"]})
    assert_error_shape(again, 409, "duplicate_email")


def test_login_page_sets_a_session_and_refuses_open_redirects(
    client: FlaskClient, db_session
) -> None:
    user = buyer(db_session)
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "next": "https://evil.example/"})
    assert response.status_code == 302
    # an unsafe next is ignored: the user lands on their to-do list
    assert response.headers["Location"] == "/home"
    home = client.get("/home")
    assert user.name in home.get_data(as_text=True)


def test_login_form_requires_a_csrf_token(app: Flask, db_session) -> None:
    user = buyer(db_session)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        # the JSON API uses bearer tokens and is exempt
        token = client.post("/api/v1/auth/token",
                            json={"email": user.email, "password": PASSWORD})
        assert token.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
