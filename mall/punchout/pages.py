"""Punch-out pages: the cXML setup endpoint, the one-time start URL, the return to the buyer.

``POST /punchout/setup`` speaks cXML, not the JSON error shape: its answers are cXML
documents whose ``Status`` code is also the HTTP status. It carries no cookie and no CSRF
token (the purchasing system calls it server to server); the shared secret authenticates it.
The return page is the only page whose Content-Security-Policy lets a form leave the mall,
and only for the BrowserFormPost URL of that buyer's punch-out session.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session

from mall.accounts.models import User
from mall.accounts.permissions import PURCHASER, PURCHASING_ROLES, page_guard, public, start_session
from mall.db import db, utcnow
from mall.errors import ApiError
from mall.extensions import csrf
from mall.forms import refusal
from mall.http import accepts_body, no_store, widened_policy
from mall.i18n import gettext as _
from mall.punchout import cxml, services

pages = Blueprint("punchout_pages", __name__)

# The browser session's key naming its punch-out session (read by the cart template).
SESSION_KEY = "punchout_session"
CXML_TYPE = "text/xml; charset=utf-8"


def _cxml_answer(body: bytes, status: int) -> Response:
    no_store()
    return Response(body, status=status, content_type=CXML_TYPE)


@pages.post("/punchout/setup")
@accepts_body(cxml.MAX_REQUEST_BYTES)
@public
def setup() -> Any:
    """A PunchOutSetupRequest → a PunchOutSetupResponse with a one-time start URL."""
    session = db.session()
    try:
        setup_request = cxml.parse_setup_request(request.get_data(cache=False))
        _row, token = services.accept_setup(session, setup_request)
        start_url = url_for("punchout_pages.start", token=token, _external=True)
        session.commit()
    except cxml.CxmlError as error:
        session.rollback()
        return _cxml_answer(cxml.error_response(error), error.code)
    return _cxml_answer(cxml.setup_response(start_url), 200)


csrf.exempt(f"{__name__}.setup")  # server to server, authenticated by the shared secret


@pages.get("/punchout/start/<token>")
@public
def start(token: str) -> Any:
    """Sign the buyer in for the punch-out session; the URL works once, for minutes."""
    no_store()
    session = db.session()
    row = services.start(session, token)
    if row is None:
        session.rollback()
        return render_template("punchout/expired.html"), 410
    session.commit()
    browser_session.clear()  # whoever was signed in here before, this is the buyer's now
    start_session(row.user)
    browser_session[SESSION_KEY] = row.id
    flash(_("You are shopping for your purchasing system. Return the cart from the cart "
            "page when you are done."), "ok")
    return redirect(url_for("search_pages.search_page"))


def form_action_policy(url: str) -> str:
    """The mall's CSP, with form submission also allowed to ``url`` (scheme, host, path)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""  # never user:password@ from the netloc
    source = f"{parts.scheme}://{parts.hostname}{port}{parts.path or '/'}"
    return widened_policy(form_action=source)


@pages.get("/punchout/return")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def return_page(user: User) -> Any:
    """The cart as a PunchOutOrderMessage, posted by the buyer to the purchasing system."""
    no_store()
    session = db.session()
    row = services.session_for(session, browser_session.get(SESSION_KEY), user)
    if row is None:
        flash(_("This is not a punch-out session; submit the cart as a requisition."),
              "error")
        return redirect(url_for("orders_pages.cart"))
    try:
        cart = services.cart_items(session, user, date.today())
    except ApiError as exc:
        session.rollback()
        flash(refusal(exc), "error")
        return redirect(url_for("orders_pages.cart"))
    message = cxml.order_message(row.buyer_cookie, row.identity.identity,
                                 services.MALL_IDENTITY, cart.items, cart.currency)
    row.returned_at = utcnow()
    session.commit()
    response = make_response(render_template(
        "punchout/return.html", action=row.browser_form_post_url,
        cxml_document=message.decode("utf-8"), cart=cart, total=services.total(cart)))
    response.headers["Content-Security-Policy"] = form_action_policy(row.browser_form_post_url)
    return response
