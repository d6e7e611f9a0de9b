"""The purchaser's cart: one per user, turned into one requisition on submit.

Only offers the purchaser may see enter it (anything else is "not found", so a draft or
another region's offer is not even confirmed to exist), and a line never holds more than
``MAX_LINE_QUANTITY`` or more than the offer's stock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.catalog.models import Offer
from mall.db import utcnow
from mall.errors import NotFound, RuleViolation
from mall.i18n import N_
from mall.orders.models import MAX_LINE_QUANTITY, Cart, CartLine, Requisition
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import (
    create_requisition,
    offers_not_found,
    visible_to,
)


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


def _check_quantity(offer: Offer, quantity: int) -> None:
    """A cart line holds at most ``MAX_LINE_QUANTITY`` and at most the offer's stock."""
    details = {"offer_id": offer.id, "quantity": quantity}
    if quantity > MAX_LINE_QUANTITY:
        raise RuleViolation(f"At most {MAX_LINE_QUANTITY:,} of one offer fit in the cart.",
                            code="quantity_above_limit",
                            details={**details, "max_quantity": MAX_LINE_QUANTITY})
    if quantity > offer.stock:
        raise RuleViolation(f"Only {offer.stock:,} of offer {offer.sku} are in stock; the cart "
                            f"would hold {quantity:,}.", code="insufficient_stock",
                            details={**details, "stock": offer.stock})


def add_to_cart(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    """Add ``quantity`` of an offer; adding the same offer again raises its quantity."""
    offer = session.get(Offer, offer_id)
    if offer is None or not visible_to(offer, user.organization, utcnow().date()):
        raise offers_not_found([offer_id])
    cart = get_cart(session, user)
    line = _find_line(cart, offer_id)
    _check_quantity(offer, quantity + (line.quantity if line is not None else 0))
    if line is None:
        cart.lines.append(CartLine(offer_id=offer_id, quantity=quantity))
    else:
        line.quantity += quantity
    cart.updated_at = utcnow()
    session.flush()
    return cart


def set_cart_quantity(session: Session, user: User, offer_id: int, quantity: int) -> Cart:
    cart = get_cart(session, user)
    line = _cart_line(cart, offer_id)
    _check_quantity(session.get_one(Offer, offer_id), quantity)
    line.quantity = quantity
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


def copy_to_cart(session: Session, user: User, requisition: Requisition) -> list[str]:
    """Put a requisition's lines back in the user's cart, as far as they can still be bought.

    A line whose offer is no longer visible is left out; a quantity above the stock is
    capped at it (an offer out of stock is left out). Returns the SKUs left out or capped.
    """
    cart = get_cart(session, user)
    today = utcnow().date()
    changed: list[str] = []
    for req_line in requisition.lines:
        offer = session.get(Offer, req_line.offer_id)
        if offer is None or not visible_to(offer, user.organization, today):
            changed.append(req_line.sku)
            continue
        line = _find_line(cart, offer.id)
        held = line.quantity if line is not None else 0
        quantity = min(req_line.quantity, max(0, offer.stock - held), MAX_LINE_QUANTITY - held)
        if quantity < req_line.quantity:
            changed.append(req_line.sku)
        if quantity <= 0:
            continue
        if line is None:
            cart.lines.append(CartLine(offer_id=offer.id, quantity=quantity))
        else:
            line.quantity += quantity
    cart.updated_at = utcnow()
    session.flush()
    return changed


def requisition_from_cart(session: Session, settings: Settings, user: User,
                          justification: str | None = None, **options: Any) -> Requisition:
    """Turn the user's cart into one requisition and empty the cart.

    ``options`` are ``create_requisition``'s (requirement text, SME reservation, deadline).
    """
    cart = get_cart(session, user)
    lines = [(li.offer_id, li.quantity) for li in cart.lines]
    if not lines:
        raise RuleViolation(N_("The cart is empty."), code="cart_empty")
    requisition = create_requisition(session, settings, user, lines, justification,
                                     **options)
    clear_cart(session, user)
    return requisition
