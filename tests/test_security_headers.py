"""Security headers on every response, no-store on credentials, Secure cookies over HTTPS
(issue 11, finding 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall import create_app
from mall.config import Config, ConfigError
from tests.factories.accounts import PASSWORD, auth_headers, buyer

TEMPLATES = Path(__file__).resolve().parent.parent / "mall" / "templates"


def _directives(response) -> dict[str, str]:
    csp = response.headers.get("Content-Security-Policy", "")
    out = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            out[name] = value
    return out


def _assert_security_headers(response) -> None:
    csp = _directives(response)
    assert csp.get("default-src") == "'self'", csp
    assert csp.get("script-src") == "'self'", csp
    assert csp.get("object-src") == "'none'", csp
    assert csp.get("frame-ancestors") == "'none'", csp
    assert csp.get("base-uri") == "'self'", csp
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") == "same-origin"


@pytest.mark.smoke
def test_pages_api_errors_and_static_files_carry_the_security_headers(
    client: FlaskClient, db_session: Session
) -> None:
    for path in ("/", "/login", "/api/v1/openapi.json", "/api/v1/no-such-thing",
                 "/static/mall.css", "/no-such-page"):
        _assert_security_headers(client.get(path))


def test_credentials_and_authenticated_answers_are_never_cached(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = buyer(db_session)
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert token.status_code == 201
    assert "no-store" in token.headers.get("Cache-Control", "")
    refused = client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope"})
    assert "no-store" in refused.headers.get("Cache-Control", "")
    me = client.get("/api/v1/me", headers=auth_headers(app, db_session, user))
    assert me.status_code == 200
    assert "no-store" in me.headers.get("Cache-Control", "")
    # the login form and everything shown to a signed-in browser
    assert "no-store" in client.get("/login").headers.get("Cache-Control", "")
    login = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "no-store" in login.headers.get("Cache-Control", "")
    assert "no-store" in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" in client.get("/cart").headers.get("Cache-Control", "")


def test_anonymous_public_answers_may_be_cached(client: FlaskClient, db_session) -> None:
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/mall.css").headers.get("Cache-Control", "")


def test_cookies_are_secure_and_hsts_is_sent_when_served_over_https(
    app: Flask, db_session: Session
) -> None:
    user = buyer(db_session)
    plain = app.test_client()
    response = plain.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in response.headers

    https = create_app(app.config["MALL"].replace(https=True))
    https.config["WTF_CSRF_ENABLED"] = False
    assert https.config["SESSION_COOKIE_SECURE"] is True
    secure = https.test_client()
    response = secure.post("/login", data={"email": user.email, "password": PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    hsts = response.headers.get("Strict-Transport-Security", "")
    assert re.fullmatch(r"max-age=\d{8,}; includeSubDomains", hsts), hsts


def test_https_is_read_once_from_the_environment() -> None:
    assert Config.from_env({"MALL_SECRET_KEY": "k"}).https is False
    assert Config.from_env({"MALL_SECRET_KEY": "k", "MALL_HTTPS": "true"}).https is True
    assert Config.from_env({"MALL_SECRET_KEY": "k", "MALL_HTTPS": "0"}).https is False
    with pytest.raises(ConfigError):
        Config.from_env({"MALL_SECRET_KEY": "k", "MALL_HTTPS": "maybe"})


def test_templates_hold_no_inline_script_or_event_handlers() -> None:
    """The CSP allows scripts and styles from our own origin only, so nothing inline."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*=",
                        r"<style\b", r"javascript:"):
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                offenders.append((template.name, match.group(0)))
    assert offenders == []
