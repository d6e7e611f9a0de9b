"""The purchaser's cart: one per user, turned into one requisition on submit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.errors import NotFound, RuleViolation
from mall.orders.models import Cart, CartLine, Requisition
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition


def get_cart(session: Session, user: User) -> Cart:
    cart = session.scalar(select(Cart).where(Cart.user_id == user.id))
    if cart is None:
        cart = Cart(user_id=user.id, lines=[])
        session.add(cart)
        session.flush()
    return cart


def _find_line(cart: Cart, offer_id: int) -> CartLine | None:
    return next((li for li in cart.lines if li.offer_id == offer_id), None)


def _cart_line(cart: Cart, offer_id: int) -> CartLine:
    line = _find_line(cart, offer_id)
    if line is None:
        raise NotFound(f"Offer {offer_id} is not in the cart.", code="not_in_cart")
    return line


def add_to_cart(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    """Add ``quantity`` of an offer; adding the same offer again raises its quantity."""
    if session.get(Offer, offer_id) is None:
        raise NotFound(f"Offer {offer_id} does not exist.", code="offer_not_found")
    cart = get_cart(session, user)
    line = _find_line(cart, offer_id)
    if line is None:
        cart.lines.append(CartLine(offer_id=offer_id, quantity=quantity))
    else:
        line.quantity += quantity
    cart.updated_at = utcnow()
    session.flush()
    return cart


def set_cart_quantity(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    cart = get_cart(session, user)
    _cart_line(cart, offer_id).quantity = quantity
    session.flush()
    return cart


def remove_from_cart(session: Session, user: User, offer_id: int) -> Cart:
    cart = get_cart(session, user)
    cart.lines.remove(_cart_line(cart, offer_id))
    session.flush()
    return cart


def clear_cart(session: Session, user: User) -> Cart:
    cart = get_cart(session, user)
    cart.lines.clear()
    session.flush()
    return cart


def requisition_from_cart(session: Session, settings: Settings, user: User,
                          justification: str | None = None) -> Requisition:
    """Turn the user's cart into one requisition and empty the cart."""
    cart = get_cart(session, user)
    lines = [(li.offer_id, li.quantity) for li in cart.lines]
    if not lines:
        raise RuleViolation("The cart is empty.", code="cart_empty")
    requisition = create_requisition(session, settings, user, lines, justification)
    clear_cart(session, user)
    return requisition
