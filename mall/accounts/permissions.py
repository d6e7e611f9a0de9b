"""The one guard every view uses: who is calling, from which organization, with which role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import redirect, request, session, url_for
from flask_login import current_user, login_user

from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.services import user_for_token
from mall.db import db
from mall.errors import Forbidden, Unauthorized
from mall.locks import run_with_retry

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def api_user() -> User:
    """The user behind the request's bearer token, or a 401."""
    cached = request.environ.get("mall.api_user")
    if cached is not None:
        return cast(User, cached)
    token = bearer_token()
    if token is None:
        raise Unauthorized("Send Authorization: Bearer <token>; get one from "
                           "POST /api/v1/auth/token.", code="token_missing")
    user = user_for_token(db.session(), token)
    if user is None:
        raise Unauthorized("The token is invalid, expired or revoked.", code="token_invalid")
    request.environ["mall.api_user"] = user
    return user


def _session_user() -> User | None:
    """The user behind the session cookie, or None."""
    if not current_user.is_authenticated:
        return None
    return cast(User, current_user._get_current_object())


def check_access(user: User, roles: tuple[str, ...], kinds: tuple[str, ...]) -> None:
    if not user.is_active:
        raise Forbidden("This account or its organization is not active.",
                        code="account_inactive")
    if kinds and user.organization.kind not in kinds:
        raise Forbidden(f"Only {' or '.join(kinds)} organizations may do this.",
                        code="wrong_organization_kind")
    if roles and not user.has_role(*roles):
        raise Forbidden(f"This needs the role {' or '.join(roles)}.", code="role_required",
                        details={"required_roles": list(roles)})


@dataclass(frozen=True)
class Guard:
    """What a view requires, kept on the view (``view.mall_guard``) for the OpenAPI document.

    ``auth`` is ``"bearer"`` (API), ``"session"`` (pages), ``"optional"`` (public, but a
    bearer token narrows what is shown, e.g. to the purchaser's region) or ``"none"``.
    """

    auth: str
    roles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


GUARD_ATTRIBUTE = "mall_guard"


def guard_of(view: Callable[..., Any]) -> Guard | None:
    """The guard a view declared, or None when it declared none."""
    guard = getattr(view, GUARD_ATTRIBUTE, None)
    return guard if isinstance(guard, Guard) else None


def _declare(view: F, guard: Guard) -> F:
    setattr(view, GUARD_ATTRIBUTE, guard)
    return view


def _replayable() -> bool:
    """Whether the view may run again after a lost race: its request body can be re-read.

    JSON and form bodies are cached once parsed; a streamed upload (a feed) is not, and feed
    imports recover from conflicts row by row on their own.
    """
    return request.mimetype in ("", "application/json", "application/x-www-form-urlencoded")


def _run_view(view: Callable[..., Any], args: Any, kwargs: Any, user: User) -> Any:
    """Run the view; a deadlock victim is rolled back and run again (``mall.locks``)."""
    if not _replayable():
        return view(*args, user=user, **kwargs)
    return run_with_retry(lambda: view(*args, user=user, **kwargs), db.session.rollback)


def api_guard(*roles: str, kinds: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Require a bearer token whose user holds one of ``roles`` in an organization of ``kinds``.

    The user is passed to the view as the keyword argument ``user``.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = api_user()
            check_access(user, roles, kinds)
            return _run_view(view, args, kwargs, user)

        return _declare(cast(F, wrapper), Guard("bearer", tuple(roles), tuple(kinds)))

    return decorate


def page_guard(*roles: str, kinds: tuple[str, ...] = ()) -> Callable[[F], F]:
    """The same rules for HTML pages, with the session cookie; anonymous users go to login."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = _session_user()
            if user is None:
                return redirect(url_for("accounts_pages.login", next=request.full_path))
            check_access(user, roles, kinds)
            return _run_view(view, args, kwargs, user)

        return _declare(cast(F, wrapper), Guard("session", tuple(roles), tuple(kinds)))

    return decorate


def token_required(view: F) -> F:
    """Any live bearer token, whatever its user's roles (e.g. to revoke that token)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, user=api_user(), **kwargs)

    return _declare(cast(F, wrapper), Guard("bearer"))


def public(view: F) -> F:
    """Anyone may call this view without a token."""
    return _declare(view, Guard("none"))


def optional_auth(view: F) -> F:
    """Anyone may call this view; a bearer token (or session), if sent, narrows the answer."""
    return _declare(view, Guard("optional"))


CENTER = (OrganizationKind.center.value,)
PURCHASER = (OrganizationKind.purchaser.value,)
SUPPLIER = (OrganizationKind.supplier.value,)
# Who may buy (cart, requisitions, orders) and who may read a purchaser's records.
PURCHASING_ROLES = (Role.buyer.value, Role.approver.value)
READER_ROLES = (Role.buyer.value, Role.approver.value, Role.auditor.value, Role.finance.value)


def client_address() -> str:
    """The caller's address; behind a proxy configure werkzeug's ProxyFix in wsgi.py."""
    return request.remote_addr or "unknown"


# The user's session_version when the session began; the loader refuses any other value.
SESSION_VERSION_KEY = "mall_session_version"


def start_session(user: User) -> None:
    """Sign ``user`` in to this browser session (the login form)."""
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def login_manager_loader(user_id: str) -> User | None:
    """The session's user, unless inactive (or its organization is) or the session is older
    than the user's last logout, password change or suspension."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    if session.get(SESSION_VERSION_KEY) != user.session_version:
        return None
    return user


def optional_user() -> User | None:
    """The caller if identified (bearer token, else session cookie), or None for anonymous."""
    if request.headers.get("Authorization"):
        return api_user()
    return _session_user()


def purchaser_regions(user: User | None) -> list[str] | None:
    """The regions a purchaser's searches are limited to; None means unrestricted."""
    if user is None or user.organization.kind != OrganizationKind.purchaser:
        return None
    region = user.organization.region
    country = region.split("-")[0]
    return sorted({region, country})
