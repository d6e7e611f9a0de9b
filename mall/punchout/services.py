"""Punch-out: identities and secrets, accepting setup requests, starting sessions, the cart.

A purchaser organization's purchasing system is known by its cXML identity and a shared
secret (stored as an argon2 hash, like passwords). An accepted PunchOutSetupRequest records a
``PunchoutSession`` with a one-time start token (``START_TTL``); opening the start URL signs
the buyer in, and the cart goes back as a PunchOutOrderMessage.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, User
from mall.accounts.permissions import PURCHASING_ROLES
from mall.accounts.services import hash_password, verify_password
from mall.audit import services as audit
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.errors import BadRequest, RuleViolation
from mall.orders.services import carts
from mall.orders.services.requisitions import visible_offers
from mall.punchout.cxml import OrderItem, SetupRequest, malformed, unauthorized
from mall.punchout.models import PunchoutIdentity, PunchoutSession

START_TTL = timedelta(minutes=5)
# How the mall names itself in the order message's From and Sender credentials.
MALL_IDENTITY = "GOV-EMALL"
MIN_SECRET_LENGTH = 16
# Offer units to UN/ECE Recommendation 20 codes; anything else is sent as EA (each).
UNIT_CODES = {"台": "EA", "个": "EA", "件": "EA", "支": "EA", "把": "EA", "张": "EA",
              "套": "SET", "箱": "CS", "盒": "BX", "包": "PK", "卷": "RO", "米": "MTR",
              "千克": "KGM", "公斤": "KGM", "升": "LTR"}
_UNIT_CODE = re.compile(r"^[A-Z0-9]{2,3}$")
# Characters that would break out of a CSP source expression or an attribute.
_URL_FORBIDDEN = re.compile(r"[\s;,'\"<>\\]")
# Verified when the identity is unknown, so both refusals take as long.
_DUMMY_HASH = hash_password("not-a-real-punchout-secret")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_identity(session: Session, organization: Organization, identity: str,
                 secret: str, actor: User | None = None) -> PunchoutIdentity:
    """Set (or replace) a purchaser organization's punch-out identity and shared secret."""
    identity = identity.strip()
    if organization.kind != OrganizationKind.purchaser:
        raise RuleViolation("Only purchaser organizations punch out.",
                            code="not_a_purchaser")
    if not identity or len(identity) > 128:
        raise BadRequest("The identity is 1-128 characters.", code="invalid_identity")
    if len(secret) < MIN_SECRET_LENGTH:
        raise BadRequest(f"The shared secret is at least {MIN_SECRET_LENGTH} characters.",
                         code="weak_secret")
    taken = session.scalar(select(PunchoutIdentity).where(
        PunchoutIdentity.identity == identity,
        PunchoutIdentity.organization_id != organization.id))
    if taken is not None:
        raise RuleViolation("Another organization has that identity.", code="identity_taken")
    row = session.scalar(select(PunchoutIdentity).where(
        PunchoutIdentity.organization_id == organization.id))
    before = {"identity": row.identity} if row else None
    if row is None:
        row = PunchoutIdentity(organization_id=organization.id, identity=identity,
                               secret_hash=hash_password(secret))
        session.add(row)
    else:
        row.identity, row.secret_hash, row.updated_at = identity, hash_password(secret), utcnow()
    session.flush()
    audit.record(session, action="punchout.identity_set", target_type="organization",
                 target_id=organization.id, actor=actor, before=before,
                 after={"identity": identity})  # never the secret, nor its hash
    return row


def _form_post_url(url: str) -> str:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise malformed("BrowserFormPost/URL has an invalid port.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname or _URL_FORBIDDEN.search(url):
        raise malformed("BrowserFormPost/URL must be an http(s) URL without spaces, quotes, "
                        "commas or semicolons.")
    return url


def _buyer(session: Session, organization: Organization, emails: list[str]) -> User:
    for email in emails:
        user = session.scalar(select(User).where(
            func.lower(User.email) == email.strip().lower(),
            User.organization_id == organization.id))
        if user is not None and user.is_active and user.has_role(*PURCHASING_ROLES):
            return user
    raise unauthorized("No buyer of this organization has the request's UserEmail or "
                       "Contact email.")


def accept_setup(session: Session, request: SetupRequest) -> tuple[PunchoutSession, str]:
    """Check the request's identity, secret and user; record the session and its token.

    Raises CxmlError (401 for who is asking, 400 for what is asked). The caller commits.
    """
    identity = None
    if request.from_identities:
        identity = session.scalar(select(PunchoutIdentity).where(
            PunchoutIdentity.identity.in_(request.from_identities)))
    # One answer for an unknown identity and a wrong secret, so neither can be probed.
    secret_ok = verify_password(identity.secret_hash if identity else _DUMMY_HASH,
                                request.shared_secret or "")
    if identity is None or not secret_ok or request.shared_secret is None:
        raise unauthorized("The identity or shared secret is not recognized.")
    if not identity.organization.is_active:
        raise unauthorized("The organization is not active.")
    url = _form_post_url(request.browser_form_post)
    user = _buyer(session, identity.organization, request.user_emails)
    if len(request.buyer_cookie) > 1000:
        raise malformed("BuyerCookie is at most 1,000 characters.")
    token = secrets.token_urlsafe(32)
    row = PunchoutSession(identity_id=identity.id, user_id=user.id, token_hash=_digest(token),
                          buyer_cookie=request.buyer_cookie, browser_form_post_url=url,
                          request_payload_id=(request.payload_id or "")[:255] or None,
                          expires_at=utcnow() + START_TTL)
    session.add(row)
    session.flush()
    audit.record(session, action="punchout.setup", target_type="punchout_session",
                 target_id=row.id, actor=user,
                 after={"organization_id": identity.organization_id, "operation":
                        request.operation, "payload_id": row.request_payload_id})
    return row, token

def start(session: Session, token: str) -> PunchoutSession | None:
    """Use a start token once, before it expires; None when unknown, used or expired."""
    now = utcnow()
    session_id = session.scalar(
        update(PunchoutSession)
        .where(PunchoutSession.token_hash == _digest(token),
               PunchoutSession.started_at.is_(None), PunchoutSession.expires_at > now)
        .values(started_at=now).returning(PunchoutSession.id))
    if session_id is None:
        return None
    row = session.get(PunchoutSession, session_id)
    assert row is not None
    if not row.user.is_active:
        return None
    audit.record(session, action="punchout.start", target_type="punchout_session",
                 target_id=row.id, actor=row.user)
    return row


def session_for(session: Session, session_id: object, user: User) -> PunchoutSession | None:
    """The started punch-out session of this browser, if it is the signed-in user's."""
    if not isinstance(session_id, int):
        return None
    row = session.get(PunchoutSession, session_id)
    if row is None or row.user_id != user.id or row.started_at is None:
        return None
    return row


def unit_code(unit: str | None) -> str:
    if unit and _UNIT_CODE.match(unit):
        return unit
    return UNIT_CODES.get((unit or "").strip(), "EA")


def _item(offer: Offer, quantity: int) -> OrderItem:
    descriptions = [("zh-CN", offer.title)]
    if offer.title_en:
        descriptions.append(("en", offer.title_en))
    scheme = offer.category.scheme
    return OrderItem(
        quantity=quantity, sku=offer.sku, offer_id=offer.id, unit_price=offer.price,
        currency=offer.currency, descriptions=descriptions, unit_of_measure=unit_code(offer.unit),
        classification_domain="UNSPSC" if scheme.lower() == "unspsc" else scheme,
        classification=offer.category.code, manufacturer_part_id=offer.model,
        manufacturer_name=offer.brand)


@dataclass
class ReturnedCart:
    items: list[OrderItem]
    currency: str


def cart_items(session: Session, user: User, today: date) -> ReturnedCart:
    """The cart's lines the buyer may still buy, as order message items (one currency)."""
    cart = carts.get_cart(session, user)
    offers = visible_offers(session, user.organization, [li.offer_id for li in cart.lines],
                            today)
    items = [_item(offers[li.offer_id], li.quantity) for li in cart.lines
             if li.offer_id in offers]
    if not items:
        raise RuleViolation("The cart is empty.", code="cart_empty")
    currencies = {item.currency for item in items}
    if len(currencies) > 1:
        raise RuleViolation("A punch-out cart goes back in one currency; this one holds "
                            f"{', '.join(sorted(currencies))}.", code="several_currencies")
    return ReturnedCart(items, currencies.pop())


def total(cart: ReturnedCart) -> Decimal:
    return sum((i.unit_price * i.quantity for i in cart.items), Decimal("0"))

