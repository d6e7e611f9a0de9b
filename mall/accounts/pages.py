"""Sign-in pages (the login form, throttled like the token endpoint, and logout) and the
purchaser's delivery address book (``/addresses``)."""

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
from marshmallow import Schema, ValidationError

from mall.accounts import addresses, services
from mall.accounts.models import User
from mall.accounts.permissions import (
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    client_address,
    page_guard,
    start_session,
)
from mall.accounts.schemas import DeliveryAddressCreateSchema, DeliveryAddressUpdateSchema
from mall.db import db
from mall.errors import ApiError, add_retry_after, refusal_text
from mall.forms import describe_errors, run_action
from mall.http import no_store
from mall.i18n import gettext as _

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


# --- the delivery address book ----------------------------------------------------------------

def _address_form(schema: Schema) -> dict[str, Any] | None:
    """The form's fields loaded by the API's schema; None (with the reasons flashed) if bad."""
    raw: dict[str, Any] = {name: request.form.get(name, "") for name in addresses.FIELDS}
    if isinstance(schema, DeliveryAddressCreateSchema):
        raw["is_default"] = bool(request.form.get("is_default"))
    try:
        data: dict[str, Any] = schema.load(raw)
    except ValidationError as exc:
        for line in describe_errors(exc.messages):
            flash(line, "error")
        return None
    return data


@pages.get("/addresses")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def addresses_page(user: User) -> Any:
    session = db.session()
    live = session.scalars(addresses.addresses_query(user.organization_id)).all()
    archived = session.scalars(addresses.addresses_query(user.organization_id,
                                                         archived=True)).all()
    return render_template("accounts/addresses.html", addresses=live, archived=archived,
                           may_edit=user.has_role(*PURCHASING_ROLES))


@pages.post("/addresses")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_add(user: User) -> Any:
    data = _address_form(DeliveryAddressCreateSchema())
    if data is not None:
        session = db.session()
        run_action(session, lambda: addresses.create_address(session, user, data),
                   _("Delivery address added."))
    return redirect(url_for("accounts_pages.addresses_page"))


@pages.get("/addresses/<int:address_id>/edit")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_edit(address_id: int, user: User) -> Any:
    address = addresses.address_for(db.session(), user, address_id)
    return render_template("accounts/address_edit.html", a=address)


@pages.post("/addresses/<int:address_id>")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_update(address_id: int, user: User) -> Any:
    data = _address_form(DeliveryAddressUpdateSchema())
    if data is None:
        return redirect(url_for("accounts_pages.address_edit", address_id=address_id))
    session = db.session()
    if not run_action(session, lambda: addresses.update_address(session, user, address_id,
                                                                 data),
                      _("Delivery address saved.")):
        return redirect(url_for("accounts_pages.address_edit", address_id=address_id))
    return redirect(url_for("accounts_pages.addresses_page"))


@pages.post("/addresses/<int:address_id>/default")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_make_default(address_id: int, user: User) -> Any:
    session = db.session()
    run_action(session, lambda: addresses.update_address(session, user, address_id,
                                                         {"is_default": True}),
               _("This is now the default delivery address."))
    return redirect(url_for("accounts_pages.addresses_page"))


@pages.get("/addresses/<int:address_id>/archive")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_confirm_archive(address_id: int, user: User) -> Any:
    """Archiving asks for a confirmation on a page of its own (the CSP allows no inline
    script for a confirm dialog), as cancelling an order does."""
    address = addresses.address_for(db.session(), user, address_id)
    return render_template("accounts/address_archive.html", a=address)


@pages.post("/addresses/<int:address_id>/archive")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def address_archive(address_id: int, user: User) -> Any:
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm archiving the address."), "error")
        return redirect(url_for("accounts_pages.address_confirm_archive",
                                address_id=address_id))
    session = db.session()
    run_action(session, lambda: addresses.archive_address(session, user, address_id),
               _("Delivery address archived; orders placed to it keep their copy."))
    return redirect(url_for("accounts_pages.addresses_page"))
