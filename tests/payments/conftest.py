"""Shared payment fixtures: an order to pay, the real localstripe gateway, cards, users."""

from __future__ import annotations

import hashlib
import hmac
import time
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.orders.models import PurchaseOrder
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition
from mall.payments.gateway import StripeGateway
from tests.factories.accounts import auth_headers, make_user
from tests.orders.conftest import build_world

GOOD_CARD, DECLINE_CARD = "4242424242424242", "4000000000000341"


@pytest.fixture
def gateway(app: Flask) -> StripeGateway:
    """The app's real gateway, pointed at localstripe."""
    return app.extensions["mall.payments"]


def card(gateway: StripeGateway, number: str = GOOD_CARD) -> str:
    """A payment method created in localstripe for a test card number."""
    method = gateway.client.v1.payment_methods.create(params={
        "type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031,
                                 "cvc": "123"}})
    return method.id


@pytest.fixture
def order(db_session: Session, app: Flask) -> PurchaseOrder:
    """A direct-route order of 1000.00 CNY, committed (inside the test's transaction)."""
    world = build_world(db_session, app, price="250.00")
    requisition = create_requisition(db_session, Settings(jurisdiction="cn-central"),
                                     world.buyer, [(world.offers[0].id, 4)])
    assert requisition.route == "direct"
    order = db_session.scalar(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == requisition.id))
    assert order is not None and order.total == Decimal("1000.00")
    db_session.commit()
    return order


def purchaser(session: Session, order: PurchaseOrder) -> Organization:
    return session.get_one(Organization, order.purchaser_organization_id)


def buyer(session: Session, order: PurchaseOrder) -> User:
    """A user of the order's purchaser who may pay it."""
    return make_user(session, purchaser(session, order), roles=("buyer", "finance"))


def buyer_headers(app: Flask, session: Session, order: PurchaseOrder, user: User | None = None,
                  **extra: str) -> dict[str, str]:
    user = user or buyer(session, order)
    return {**auth_headers(app, session, user), **extra}


def supplier_headers(app: Flask, session: Session, supplier_id: int) -> dict[str, str]:
    user = make_user(session, session.get_one(Organization, supplier_id),
                     roles=("supplier_admin",))
    return auth_headers(app, session, user)


def sign(payload: bytes, secret: str) -> str:
    """A Stripe-Signature header for ``payload``, as Stripe (and localstripe) make it."""
    timestamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def intent_event(event_id: str, intent_id: str, *, amount: int, currency: str,
                 payment_id: int | None = None,
                 kind: str = "payment_intent.succeeded") -> dict[str, Any]:
    """A webhook event about one PaymentIntent, shaped like Stripe's."""
    metadata = {"payment_id": str(payment_id)} if payment_id is not None else {}
    return {"id": event_id, "object": "event", "type": kind,
            "data": {"object": {"id": intent_id, "object": "payment_intent",
                                "amount": amount, "currency": currency.lower(),
                                "metadata": metadata}}}
