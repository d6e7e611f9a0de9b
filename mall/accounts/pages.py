"""Sign-in pages: the login form (throttled like the token endpoint) and logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user

from mall.accounts import services
from mall.accounts.permissions import client_address, start_session
from mall.db import db
from mall.errors import ApiError, add_retry_after, refusal_text
from mall.http import no_store

pages = Blueprint("accounts_pages", __name__)


def _safe_next(target: str | None) -> str:
    """Where the login form goes: the asked-for page when it is a same-site relative path
    (so the form cannot be used as an open redirect), else the user's to-do list."""
    if not target:
        return url_for("home.tasks")
    parts = urlsplit(target)
    # A backslash counts as a slash to browsers: "/\\evil.example" would leave the site.
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\" in target:
        return url_for("home.tasks")
    return target


@pages.route("/login", methods=["GET", "POST"])
def login() -> Any:
    no_store()
    if request.method == "GET":
        return render_template("accounts/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    session = db.session()
    try:
        user = services.authenticate(session, current_app.config["MALL"], email, password,
                                     client_address())
    except ApiError as exc:
        flash(refusal_text(exc.message, exc.code), "error")
        page = make_response(render_template("accounts/login.html",
                                             next=request.form.get("next", ""), email=email),
                             exc.status)
        return add_retry_after(page, exc.details)
    start_session(user)
    return redirect(_safe_next(request.form.get("next")))


@pages.post("/logout")
def logout() -> Any:
    """Sign out: every session of this user ends, so a copied cookie stops working too."""
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    return redirect(url_for("accounts_pages.login"))
