"""A copied session cookie stops working on logout, password change and suspension; sessions
and CSRF tokens expire (issue 11, finding 5)."""

from __future__ import annotations

import time

from flask import Flask, g
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from tests.factories.accounts import PASSWORD, auth_headers, buyer, center_admin

NEW_PASSWORD = "violet-harbour-lantern-42"


def _sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _get(client: FlaskClient, path: str):
    # The test fixtures keep one app context open for the whole test, so flask.g (where
    # flask-login caches the request's user) outlives a request; a real server starts each
    # request afresh. Drop the cache so every request loads its user from its own cookie.
    g.pop("_login_user", None)
    return client.get(path)


def _signed_in(client: FlaskClient, name: str) -> bool:
    home = _get(client, "/").get_data(as_text=True)
    cart = _get(client, "/cart")
    assert (name in home) == (cart.status_code == 200), cart.status_code
    if cart.status_code != 200:
        assert cart.status_code == 302 and "/login" in cart.headers["Location"]
    return name in home


def test_a_copied_session_cookie_is_refused_after_logout(
    client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    copied = _sign_in(client, user.email)
    assert _signed_in(client, user.name)
    assert client.post("/logout").status_code == 302
    assert not _signed_in(client, user.name)
    client.set_cookie("session", copied)  # the cookie an eavesdropper kept
    assert not _signed_in(client, user.name)
    # signing in again works, and makes a new session
    _sign_in(client, user.email)
    assert _signed_in(client, user.name)


def test_logout_ends_the_users_other_sessions_too(app: Flask, db_session: Session) -> None:
    user = buyer(db_session)
    first, second = app.test_client(), app.test_client()
    _sign_in(first, user.email)
    _sign_in(second, user.email)
    first.post("/logout")
    assert not _signed_in(second, user.name)


def test_a_password_change_ends_sessions_and_other_tokens(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    browser = app.test_client()
    _sign_in(browser, user.email)
    other = auth_headers(app, db_session, user)
    mine = auth_headers(app, db_session, user)
    wrong = client.put("/api/v1/me/password", headers=mine,
                       json={"current_password": "not-it-at-all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "wrong_password"
    weak = client.put("/api/v1/me/password", headers=mine,
                      json={"current_password": PASSWORD, "new_password": "aaaaaaaaaa"})
    assert weak.status_code == 422 and weak.json["error"]["code"] == "weak_password"
    assert _signed_in(browser, user.name)  # refusals change nothing

    changed = client.put("/api/v1/me/password", headers=mine,
                         json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.get_data(as_text=True)
    assert not _signed_in(browser, user.name)
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert client.get("/api/v1/me", headers=mine).status_code == 200  # the caller's own
    assert client.post("/api/v1/auth/token", json={"email": user.email,
                                                   "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": user.email,
                                                   "password": NEW_PASSWORD}).status_code == 201


def test_suspending_an_organization_ends_its_sessions_and_tokens_for_good(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    admin_headers = auth_headers(app, db_session, center_admin(db_session))
    browser = app.test_client()
    _sign_in(browser, user.email)
    token = auth_headers(app, db_session, user)
    org = f"/api/v1/admin/organizations/{user.organization_id}"
    assert client.patch(org, json={"status": "suspended"},
                        headers=admin_headers).status_code == 200
    assert not _signed_in(browser, user.name)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    # lifting the suspension does not bring the old session or token back
    assert client.patch(org, json={"status": "active"}, headers=admin_headers).status_code == 200
    assert not _signed_in(browser, user.name)
    assert client.get("/api/v1/me", headers=token).status_code == 401
    _sign_in(browser, user.email)
    assert _signed_in(browser, user.name)


def test_sessions_and_csrf_tokens_expire_with_the_configured_lifetime(app: Flask) -> None:
    lifetime = app.config["MALL"].session_lifetime_seconds
    assert lifetime == 12 * 3600
    assert app.permanent_session_lifetime.total_seconds() == lifetime
    assert app.config["WTF_CSRF_TIME_LIMIT"] == lifetime


def test_a_session_cookie_older_than_the_lifetime_is_refused(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    value = _sign_in(client, user.email)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(value)
    lifetime = app.config["MALL"].session_lifetime_seconds

    class SignedLongAgo(TimestampSigner):
        """The app's own signer, stamping a time just past the lifetime (no clock patched)."""

        def get_timestamp(self) -> int:
            return int(time.time()) - lifetime - 60

    stale = URLSafeTimedSerializer(app.secret_key, salt=serializer.salt,
                                   serializer=serializer.serializer, signer=SignedLongAgo,
                                   signer_kwargs=serializer.signer_kwargs).dumps(data)
    client.set_cookie("session", stale)
    assert not _signed_in(client, user.name)
    client.set_cookie("session", serializer.dumps(data))  # the same, signed now
    assert _signed_in(client, user.name)
