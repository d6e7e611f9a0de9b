"""The Stripe webhook changes a payment only when the event is about that payment's charge.

A valid signature proves the event came through the gateway account, not that it is about
the payment it names: the PaymentIntent id must be the one stored on the payment, and its
amount and currency must be the payment's. Anything else is kept (GatewayEvent) and ignored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall import create_app
from mall.config import Config, ConfigError
from mall.orders.models import PurchaseOrder
from mall.payments.models import GatewayEvent, Payment
from tests.payments.conftest import buyer, intent_event, sign

DEV_SECRET_KEY, DEV_WEBHOOK_SECRET = "sk_test_localstripe", "whsec_localstripe"


def pending_payment(session: Session, order: PurchaseOrder, reference: str | None) -> Payment:
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, reference=reference,
                      created_by_id=buyer(session, order).id)
    session.add(payment)
    session.commit()
    return payment


def deliver(client: FlaskClient, app: Flask, event: dict[str, Any],
            secret: str | None = None) -> Any:
    payload = json.dumps(event).encode()
    secret = app.config["MALL"].stripe_webhook_secret if secret is None else secret
    return client.post("/api/v1/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": sign(payload, secret),
                                "Content-Type": "application/json"})


def test_an_event_about_another_intent_naming_this_payment_is_ignored(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder
) -> None:
    payment = pending_payment(db_session, order, "pi_the_real_one")
    event = intent_event("evt_foreign_1", "pi_someone_elses", amount=100000, currency="CNY",
                         payment_id=payment.id)
    response = deliver(client, app, event)
    assert response.status_code == 200, response.json
    assert response.json["outcome"] == "ignored"
    assert response.json["reason"] == "unknown_payment_intent"
    db_session.expire_all()
    payment = db_session.get_one(Payment, payment.id)
    assert payment.status == "pending" and payment.reference == "pi_the_real_one"
    assert db_session.get(GatewayEvent, "evt_foreign_1") is not None  # kept on record
    # a redelivery of the same event is recognised, not re-evaluated
    assert deliver(client, app, event).json["outcome"] == "duplicate"


def test_metadata_alone_never_completes_a_payment_without_a_reference(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder
) -> None:
    payment = pending_payment(db_session, order, None)
    response = deliver(client, app, intent_event(
        "evt_meta_1", "pi_unknown", amount=100000, currency="CNY", payment_id=payment.id))
    assert response.status_code == 200
    assert (response.json["outcome"], response.json["reason"]) == (
        "ignored", "unknown_payment_intent")
    db_session.expire_all()
    payment = db_session.get_one(Payment, payment.id)
    assert payment.status == "pending" and payment.reference is None


@pytest.mark.parametrize(("amount", "currency", "reason"), [
    (1, "CNY", "amount_mismatch"),
    (100001, "CNY", "amount_mismatch"),
    (100000, "USD", "currency_mismatch"),
])
def test_an_event_whose_amount_or_currency_differs_is_ignored(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder,
    amount: int, currency: str, reason: str,
) -> None:
    payment = pending_payment(db_session, order, "pi_amount_check")
    response = deliver(client, app, intent_event(
        f"evt_{reason}_{amount}_{currency}", "pi_amount_check", amount=amount,
        currency=currency, payment_id=payment.id))
    assert response.status_code == 200
    assert (response.json["outcome"], response.json["reason"]) == ("ignored", reason)
    db_session.expire_all()
    assert db_session.get_one(Payment, payment.id).status == "pending"


def test_an_intent_id_that_names_an_invoice_is_ignored(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder
) -> None:
    invoice = Payment(order_id=order.id, method="invoice", status="invoiced",
                      amount=order.total, currency=order.currency, reference="INV-000001-1",
                      created_by_id=buyer(db_session, order).id)
    db_session.add(invoice)
    db_session.commit()
    response = deliver(client, app, intent_event(
        "evt_invoice_1", "INV-000001-1", amount=100000, currency="CNY"))
    assert (response.json["outcome"], response.json["reason"]) == (
        "ignored", "unknown_payment_intent")
    db_session.expire_all()
    assert db_session.get_one(Payment, invoice.id).status == "invoiced"


def test_a_matching_failure_event_fails_the_payment_and_later_ones_are_ignored(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder
) -> None:
    payment = pending_payment(db_session, order, "pi_fails")
    failed = deliver(client, app, intent_event(
        "evt_fail_1", "pi_fails", amount=100000, currency="cny", payment_id=payment.id,
        kind="payment_intent.payment_failed"))
    assert failed.json["outcome"] == "applied"
    late = deliver(client, app, intent_event(
        "evt_fail_2", "pi_fails", amount=100000, currency="cny", payment_id=payment.id))
    assert (late.json["outcome"], late.json["reason"]) == ("ignored", "payment_not_pending")
    other = deliver(client, app, {"id": "evt_other_1", "type": "customer.created",
                                  "data": {"object": {"id": "cus_1"}}})
    assert (other.json["outcome"], other.json["reason"]) == ("ignored", "unhandled_type")
    db_session.expire_all()
    assert db_session.get_one(Payment, payment.id).status == "failed"
    assert set(db_session.scalars(select(GatewayEvent.id))) >= {
        "evt_fail_1", "evt_fail_2", "evt_other_1"}


@pytest.mark.parametrize("secrets", [
    {"stripe_secret_key": DEV_SECRET_KEY, "stripe_webhook_secret": "whsec_production_1"},
    {"stripe_secret_key": "sk_live_production_1", "stripe_webhook_secret": DEV_WEBHOOK_SECRET},
    {"stripe_secret_key": DEV_SECRET_KEY, "stripe_webhook_secret": DEV_WEBHOOK_SECRET},
])
def test_the_app_refuses_to_start_against_real_stripe_with_the_dev_secrets(
    base_config: Config, secrets: dict[str, str]
) -> None:
    production = base_config.replace(stripe_api_base=None, testing=False, **secrets)
    with pytest.raises(ConfigError, match="MALL_STRIPE_"):
        create_app(production)


def test_the_dev_secrets_are_fine_against_the_emulator_and_real_secrets_against_stripe(
    base_config: Config
) -> None:
    create_app(base_config.replace(stripe_api_base="http://127.0.0.1:8420",
                                   stripe_secret_key=DEV_SECRET_KEY,
                                   stripe_webhook_secret=DEV_WEBHOOK_SECRET))
    create_app(base_config.replace(stripe_api_base=None,
                                   stripe_secret_key="sk_live_production_1",
                                   stripe_webhook_secret="whsec_production_1"))
