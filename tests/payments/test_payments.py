"""Paying orders by card through the real Stripe emulator (localstripe), invoices, refunds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.orders.models import PurchaseOrder
from mall.orders.services.facts import Settings
from mall.orders.services.requisitions import create_requisition
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment
from tests.factories.accounts import auth_headers, make_user
from tests.orders.conftest import build_world
from tests.payments.conftest import (
    DECLINE_CARD,
    buyer_headers,
    card,
    intent_event,
    purchaser,
    sign,
    supplier_headers,
)


@pytest.mark.smoke
def test_card_payment_succeeds_and_replays_idempotently(
    client: FlaskClient, db_session: Session, app: Flask, gateway, order
) -> None:
    headers = buyer_headers(app, db_session, order, **{"Idempotency-Key": "pay-1"})
    body = {"method": "card", "payment_method": card(gateway)}
    first = client.post(f"/api/v1/orders/{order.id}/payments", json=body, headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "succeeded"
    assert first.json["amount"] == {"amount": "1000.00", "currency": "CNY"}
    assert first.json["reference"].startswith("pi_")
    # the emulator really holds the charge
    intent = gateway.client.v1.payment_intents.retrieve(first.json["reference"])
    assert intent.amount == 100000 and intent.status == "succeeded"

    again = client.post(f"/api/v1/orders/{order.id}/payments", json=body, headers=headers)
    assert again.status_code == 201 and again.json == first.json
    other = client.post(f"/api/v1/orders/{order.id}/payments",
                        json={"method": "invoice"}, headers=headers)
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_conflict"
    # a second payment under a new key is refused: the order is paid
    headers["Idempotency-Key"] = "pay-2"
    second = client.post(f"/api/v1/orders/{order.id}/payments", json=body, headers=headers)
    assert second.status_code == 409 and second.json["error"]["code"] == "already_paid"
    assert len(db_session.scalars(select(Payment)).all()) == 1


def test_declined_card_is_422_and_a_new_card_can_pay(
    client: FlaskClient, db_session: Session, app: Flask, gateway, order
) -> None:
    headers = buyer_headers(app, db_session, order)
    declined = client.post(f"/api/v1/orders/{order.id}/payments", headers=headers,
                           json={"method": "card", "payment_method": card(gateway,
                                                                          DECLINE_CARD)})
    assert declined.status_code == 422
    assert declined.json["error"]["code"] == "card_declined"
    assert declined.json["error"]["details"]["payment"]["status"] == "failed"
    ok = client.post(f"/api/v1/orders/{order.id}/payments", headers=headers,
                     json={"method": "card", "payment_method": card(gateway)})
    assert ok.status_code == 201 and ok.json["status"] == "succeeded"


def test_card_payment_needs_a_payment_method_and_the_right_party(
    client: FlaskClient, db_session: Session, app: Flask, order
) -> None:
    headers = buyer_headers(app, db_session, order)
    missing = client.post(f"/api/v1/orders/{order.id}/payments", headers=headers,
                          json={"method": "card"})
    assert missing.status_code == 400
    assert missing.json["error"]["details"]["problems"][0]["field"] == "payment_method"
    stranger = build_world(db_session, app).buyer
    response = client.post(f"/api/v1/orders/{order.id}/payments", json={"method": "invoice"},
                           headers=auth_headers(app, db_session, stranger))
    assert response.status_code == 404
    assert db_session.scalars(select(Payment)).all() == []


def test_gateway_outage_leaves_a_pending_payment_that_a_retry_completes(
    client: FlaskClient, db_session: Session, app: Flask, gateway, order
) -> None:
    headers = buyer_headers(app, db_session, order, **{"Idempotency-Key": "outage-1"})
    body = {"method": "card", "payment_method": card(gateway)}
    # nothing listens on port 9 of loopback: a real connection failure
    app.extensions["mall.payments"] = StripeGateway("sk_test_x", "whsec_x",
                                                    "http://127.0.0.1:9", timeout=1)
    try:
        down = client.post(f"/api/v1/orders/{order.id}/payments", json=body, headers=headers)
    finally:
        app.extensions["mall.payments"] = gateway
    assert down.status_code == 503
    assert down.json["error"]["code"] == "payment_gateway_unavailable"
    pending = db_session.scalars(select(Payment)).all()
    assert [p.status for p in pending] == ["pending"]

    retry = client.post(f"/api/v1/orders/{order.id}/payments", json=body, headers=headers)
    assert retry.status_code == 201 and retry.json["status"] == "succeeded"
    assert retry.json["id"] == pending[0].id
    assert len(db_session.scalars(select(Payment)).all()) == 1


def test_invoice_is_settled_by_finance_only(
    client: FlaskClient, db_session: Session, app: Flask, order
) -> None:
    headers = buyer_headers(app, db_session, order)
    invoice = client.post(f"/api/v1/orders/{order.id}/payments", json={"method": "invoice"},
                          headers=headers)
    assert invoice.status_code == 201
    assert invoice.json["status"] == "invoiced"
    assert invoice.json["reference"].startswith("INV-")
    buyer_only = make_user(db_session, purchaser(db_session, order), roles=("buyer",))
    refused = client.post(f"/api/v1/payments/{invoice.json['id']}/settle",
                          headers=auth_headers(app, db_session, buyer_only))
    assert refused.status_code == 403
    settled = client.post(f"/api/v1/payments/{invoice.json['id']}/settle", headers=headers)
    assert settled.status_code == 200 and settled.json["status"] == "settled"
    twice = client.post(f"/api/v1/payments/{invoice.json['id']}/settle", headers=headers)
    assert twice.status_code == 409


def test_refunds_never_exceed_the_payment(
    client: FlaskClient, db_session: Session, app: Flask, gateway, order
) -> None:
    paid = client.post(f"/api/v1/orders/{order.id}/payments",
                       headers=buyer_headers(app, db_session, order),
                       json={"method": "card", "payment_method": card(gateway)})
    payment_id = paid.json["id"]
    supplier = supplier_headers(app, db_session, order.supplier_id)
    url = f"/api/v1/payments/{payment_id}/refunds"
    part = client.post(url, headers=supplier, json={"amount": "300.00", "reason": "damaged"})
    assert part.status_code == 201, part.json
    assert part.json["refunded"]["amount"] == "300.00"
    assert part.json["refunds"][0]["status"] == "succeeded"
    # localstripe would accept this over-refund; the app refuses it
    over = client.post(url, headers=supplier, json={"amount": "700.01", "reason": "too much"})
    assert over.status_code == 422
    assert over.json["error"]["code"] == "refund_exceeds_payment"
    assert over.json["error"]["details"]["refundable"]["amount"] == "700.00"
    other = build_world(db_session, app).suppliers[0]
    stranger = client.post(url, headers=supplier_headers(app, db_session, other.id),
                           json={"amount": "1.00", "reason": "x"})
    assert stranger.status_code == 404
    rest = client.post(url, headers=supplier, json={"amount": "700.00", "reason": "returned"})
    assert rest.status_code == 201 and rest.json["refunded"]["amount"] == "1000.00"
    payment = db_session.get(Payment, payment_id)
    db_session.refresh(payment)
    assert payment.refunded_amount == Decimal("1000.00")


def test_webhook_rejects_forged_signatures_and_applies_events_once(
    client: FlaskClient, db_session: Session, app: Flask, order
) -> None:
    payment = Payment(order_id=order.id, method="card", status="pending",
                      amount=order.total, currency=order.currency, reference="pi_test_1",
                      created_by_id=make_user(db_session, purchaser(db_session, order)).id)
    db_session.add(payment)
    db_session.flush()
    event = intent_event("evt_test_1", "pi_test_1", amount=100000, currency="cny",
                         payment_id=payment.id)
    payload = json.dumps(event).encode()
    forged = client.post("/api/v1/webhooks/stripe", data=payload,
                         headers={"Stripe-Signature": sign(payload, "whsec_wrong"),
                                  "Content-Type": "application/json"})
    assert forged.status_code == 400
    assert forged.json["error"]["code"] == "invalid_signature"
    db_session.refresh(payment)
    assert payment.status == "pending"

    secret = app.config["MALL"].stripe_webhook_secret
    for expected in ("applied", "duplicate"):
        response = client.post("/api/v1/webhooks/stripe", data=payload,
                               headers={"Stripe-Signature": sign(payload, secret),
                                        "Content-Type": "application/json"})
        assert response.status_code == 200
        assert response.json["outcome"] == expected
    db_session.refresh(payment)
    assert payment.status == "succeeded" and payment.reference == "pi_test_1"


@pytest.fixture
def localstripe_webhook(live_server: str, gateway: StripeGateway, app: Flask
                        ) -> Iterator[None]:
    import urllib.parse
    import urllib.request

    base = app.config["MALL"].stripe_api_base
    data = urllib.parse.urlencode({"url": f"{live_server}/api/v1/webhooks/stripe",
                                   "secret": app.config["MALL"].stripe_webhook_secret})
    urllib.request.urlopen(f"{base}/_config/webhooks/mall_tests", data=data.encode(),
                           timeout=5).read()
    yield
    # localstripe keeps endpoints in memory; point this one nowhere rather than leave it live
    data = urllib.parse.urlencode({"url": "http://127.0.0.1:9/", "secret": "unused"})
    urllib.request.urlopen(f"{base}/_config/webhooks/mall_tests", data=data.encode(),
                           timeout=5).read()


def test_a_charge_whose_answer_was_lost_is_completed_by_the_real_webhook(
    app: Flask, gateway: StripeGateway, localstripe_webhook
) -> None:
    """The app died after confirming: localstripe's signed webhook completes the payment.

    The charge's reference is stored before it is confirmed, so the webhook finds it.
    """
    from mall.db import db

    session = db.session()
    world = build_world(session, app, price="80.00")
    requisition = create_requisition(session, Settings(jurisdiction="cn-central"),
                                     world.buyer, [(world.offers[0].id, 1)])
    order = session.scalar(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == requisition.id))
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, created_by_id=world.buyer.id)
    session.add(payment)
    session.commit()
    # what the crashed request had done: create the charge, store its reference, confirm it
    payment.reference = gateway.create_charge(
        payment.amount, payment.currency, card(gateway),
        idempotency_key=f"mall-payment-{payment.id}",
        metadata={"payment_id": str(payment.id), "order_id": str(order.id)})
    session.commit()
    result = gateway.confirm_charge(payment.reference, f"mall-payment-{payment.id}-confirm")
    assert result.status == "succeeded"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        session.expire_all()
        if session.get(Payment, payment.id).status != "pending":
            break
        time.sleep(0.1)
    assert session.get(Payment, payment.id).status == "succeeded"
