"""The standing authorization matrix: every route in the URL map × every kind of caller.

The expected answer of each cell comes from the guard the view declares
(``mall.accounts.permissions.guard_of``), never from a list kept here:

- ``bearer`` (API): anonymous → 401; a token whose role or organization kind does not match
  → 403; a matching token → anything but 401/403.
- ``session`` (pages): anonymous → 302 to /login?next=…; a wrong role or kind → 403; a match
  → anything but 401/403 or that redirect.
- ``optional`` / ``none``: nobody is refused (anything but 401/403 or a login redirect).

Any 5xx counts as a disagreement too.

A route whose view declares no guard fails here, named by its endpoint, so a new route cannot
slip in unguarded. Path ids name another tenant's objects (or nothing at all), so a permitted
caller gets 404 (or 400/409/422) and never changes its own data; the other tenant's
requisition, order and offer must be unchanged afterwards. Write methods send ``{}`` (JSON for
the API, an empty form for pages; CSRF is off in the test app).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.accounts.models import Role
from mall.accounts.permissions import Guard, guard_of
from mall.openapi.document import expand_rule
from tests.factories.accounts import PASSWORD, auth_headers, make_org, make_user
from tests.orders.conftest import build_world

# Routes that are public by design but whose view cannot carry a declared guard here:
# ``static`` is Flask's own view; the login form and logout belong to mall/accounts/pages.py,
# which another change owns. Logout is public: anonymous callers are simply sent to login.
# Once those views declare ``@public`` the declared guard is used instead (and must agree).
EXPLICITLY_PUBLIC = {
    "static": Guard("none"),
    "accounts_pages.login": Guard("none"),
    "accounts_pages.logout": Guard("none"),
}

# Cells that end the caller's own session or token: they run last for each caller, so the
# credential still works for every other cell.
ENDS_THE_CREDENTIAL = {"accounts_api.revoke_token", "accounts_pages.logout",
                       "accounts_api.change_password"}

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MISSING_ID = 987_654_321
LOGIN_REDIRECT = "302 /login"


@dataclass(frozen=True)
class Caller:
    name: str
    kind: str | None  # organization kind; None for anonymous
    roles: tuple[str, ...]


CALLERS = [
    Caller("anonymous", None, ()),
    Caller("purchaser_buyer", "purchaser", (Role.buyer.value,)),
    Caller("purchaser_approver", "purchaser", (Role.approver.value,)),
    Caller("purchaser_auditor", "purchaser", (Role.auditor.value,)),
    Caller("purchaser_finance", "purchaser", (Role.finance.value,)),
    Caller("supplier_admin", "supplier", (Role.supplier_admin.value,)),
    Caller("center_admin", "center", (Role.center_admin.value,)),
    Caller("center_auditor", "center", (Role.auditor.value,)),
]


@dataclass(frozen=True)
class Cell:
    endpoint: str
    method: str
    path: str
    is_api: bool
    guard: Guard | None


def declared_guard(app: Flask, endpoint: str) -> Guard | None:
    guard = guard_of(app.view_functions[endpoint])
    return guard if guard is not None else EXPLICITLY_PUBLIC.get(endpoint)


def _is_api(rule: str) -> bool:
    return rule.startswith("/api/") or rule == "/healthz"


def cells(app: Flask, values: dict[str, str]) -> list[Cell]:
    """One cell per (method, concrete path) of every rule; ``any(a, b)`` gives one path each."""
    found = []
    for rule in app.url_map.iter_rules():
        guard = declared_guard(app, rule.endpoint)
        for template, _suffix, parameters in expand_rule(rule.rule):
            path = template
            for parameter in parameters:
                name = parameter["name"]
                path = path.replace("{" + name + "}", values.get(name, str(MISSING_ID)))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append(Cell(rule.endpoint, method, path, _is_api(rule.rule), guard))
    return sorted(found, key=lambda c: (c.endpoint in ENDS_THE_CREDENTIAL, c.path, c.method))


def expected(cell: Cell, caller: Caller) -> str:
    """What the declared guard promises this caller: "401", "302 /login", "403" or "allowed"."""
    guard = cell.guard
    assert guard is not None
    if guard.auth in ("none", "optional"):
        return "allowed"
    if caller.kind is None:
        return "401" if guard.auth == "bearer" else LOGIN_REDIRECT
    kind_ok = not guard.kinds or caller.kind in {str(k) for k in guard.kinds}
    role_ok = not guard.roles or bool(set(caller.roles) & {str(r) for r in guard.roles})
    return "allowed" if kind_ok and role_ok else "403"



def observed(status: int, location: str) -> str:
    # page_guard's answer to anonymous callers; logout's own redirect to the bare /login is
    # its success, not a refusal.
    if status in (302, 303) and location.startswith("/login?next="):
        return LOGIN_REDIRECT
    return str(status)


def agrees(expectation: str, got: str, status: int) -> bool:
    if expectation == "allowed":  # anything but a refusal (or a server fault)
        return got not in ("401", "403", LOGIN_REDIRECT) and status < 500
    return got == expectation


@dataclass
class Tenants:
    """The callers' own organizations and another tenant's objects for path ids."""

    values: dict[str, str]
    users: dict[str, Any]
    objects: list[Any]

    def snapshot(self, session: Session) -> list[tuple[str, ...]]:
        """What the other tenant's requisition, order and offer look like now."""
        session.expire_all()
        return [(type(o).__name__, str(o.id), str(o.status), str(getattr(o, "price", "")),
                 str(getattr(o, "stock", ""))) for o in self.objects]


@pytest.fixture
def tenants(app: Flask, db_session: Session, search_index: str) -> Tenants:
    # The callers: one purchaser organization with every purchaser role, a supplier, the center.
    purchaser = make_org(db_session, kind="purchaser", region="CN-BJ")
    supplier = make_org(db_session, kind="supplier", size="small", region="CN-BJ")
    center = make_org(db_session, kind="center", region="*")
    users = {
        "purchaser_buyer": make_user(db_session, purchaser, roles=("buyer",)),
        "purchaser_approver": make_user(db_session, purchaser, roles=("approver",)),
        "purchaser_auditor": make_user(db_session, purchaser, roles=("auditor",)),
        "purchaser_finance": make_user(db_session, purchaser, roles=("finance",)),
        "supplier_admin": make_user(db_session, supplier, roles=("supplier_admin",)),
        "center_admin": make_user(db_session, center, roles=("center_admin",)),
        "center_auditor": make_user(db_session, center, roles=("auditor",)),
        "center_expert": make_user(db_session, center, roles=("expert",)),
    }
    # Another tenant: its own purchaser, suppliers, agreement, offers, a requisition and order.
    other = build_world(db_session, app, suppliers=2)
    requisition = other.requisition((other.offers[0], 1))
    order = requisition.orders[0]
    offer = other.offers[0]
    values = {
        "offer_id": str(offer.id),
        "product_id": str(offer.product_id),
        "org_id": str(other.purchaser.id),
        "order_id": str(order.id),
        "requisition_id": str(requisition.id),
        "sku": offer.sku,
        "number": other.agreement.number,
        "code": "NO-SUCH-STANDARD",
        "filename": "mall.css",
        # competition_id, payment_id, feed_id, change_id: an id nobody has (MISSING_ID).
    }
    db_session.flush()
    return Tenants(values, users, [requisition, order, offer])


def _send(client: FlaskClient, path: str, kwargs: dict[str, Any]) -> Any:
    """One request, judged by its own cookie or token alone.

    The ``db_session`` fixture holds an app context open, so every request of the test shares
    one ``g``, where flask-login caches the signed-in user; forget it after each request.
    """
    try:
        return client.open(path, **kwargs)
    finally:
        g.pop("_login_user", None)


def _page_client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = _send(client, "/login", {"method": "POST",
                                        "data": {"email": email, "password": PASSWORD}})
    assert response.status_code == 302, f"could not log in {email}: {response.status_code}"
    return client


def test_every_route_declares_a_guard(app: Flask) -> None:
    undeclared = sorted({f"{rule.endpoint} ({rule.rule})" for rule in app.url_map.iter_rules()
                         if declared_guard(app, rule.endpoint) is None})
    assert not undeclared, (
        "These endpoints declare no guard; decorate each view with api_guard, page_guard, "
        "token_required, optional_auth or public (mall.accounts.permissions), directly under "
        "its route decorator: " + ", ".join(undeclared))


def test_the_matrix_covers_api_and_pages(app: Flask) -> None:
    found = cells(app, {})
    assert {c.is_api for c in found} == {True, False}
    assert len({c.endpoint for c in found}) == len({r.endpoint for r in app.url_map.iter_rules()})


@pytest.mark.parametrize("caller", CALLERS, ids=[c.name for c in CALLERS])
def test_authorization_matrix(app: Flask, db_session: Session, tenants: Tenants,
                              caller: Caller) -> None:
    user = tenants.users.get(caller.name)
    api_headers = auth_headers(app, db_session, user) if user is not None else {}
    api_client = app.test_client()
    page_client = _page_client(app, user.email) if user is not None else app.test_client()

    before = tenants.snapshot(db_session)
    disagreements = []
    for cell in cells(app, tenants.values):
        if cell.guard is None:
            continue  # named by test_every_route_declares_a_guard; nothing to expect here
        want = expected(cell, caller)
        kwargs: dict[str, Any] = {"method": cell.method, "follow_redirects": False}
        if cell.is_api:
            client, kwargs["headers"] = api_client, api_headers
            if cell.method in WRITE_METHODS:
                kwargs["json"] = {}
            if user is not None and cell.endpoint in ENDS_THE_CREDENTIAL:
                kwargs["headers"] = auth_headers(app, db_session, user)
        else:
            client = page_client
            if cell.method in WRITE_METHODS:
                kwargs["data"] = {}
            if user is not None and cell.endpoint in ENDS_THE_CREDENTIAL:
                client = _page_client(app, user.email)
        if cell.endpoint == "accounts_pages.login" and cell.method == "POST":
            # The form's own answer to an empty form is 401 (wrong credentials), which is not
            # a guard's: post real ones (anonymous: someone signing in) from a fresh browser.
            client = app.test_client()
            someone = user or tenants.users["purchaser_buyer"]
            kwargs["data"] = {"email": someone.email, "password": PASSWORD}
        response = _send(client, cell.path, kwargs)
        got = observed(response.status_code, response.headers.get("Location", ""))
        if not agrees(want, got, response.status_code):
            disagreements.append((cell.method, cell.path, caller.name, want, got))
        response.close()

    # Nothing above may act on another tenant's requisition, order or offer.
    assert tenants.snapshot(db_session) == before, "another tenant's objects changed"
    assert not disagreements, "\n".join(
        f"{method} {path} as {role}: expected {want}, got {got}"
        for method, path, role, want, got in disagreements)
