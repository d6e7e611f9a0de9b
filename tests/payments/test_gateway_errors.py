"""Every way the card gateway can say no maps to a clear answer, and never strands an order.

422 when the payer can fix it (unknown or invalid payment method, declined card), 503 when
the gateway is down or refuses the app itself. A payment that certainly took no money is
marked ``failed`` so the order can be paid again; one whose outcome is unknown stays
``pending`` for a retry under the same Idempotency-Key (or the webhook) to finish.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.idempotency import IdempotencyKey, request_hash
from mall.orders.models import PurchaseOrder
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment
from tests.payments.conftest import buyer, buyer_headers, card, supplier_headers


def url(order: PurchaseOrder) -> str:
    return f"/api/v1/orders/{order.id}/payments"


def statuses(session: Session) -> list[str]:
    session.expire_all()
    return [p.status for p in session.scalars(select(Payment).order_by(Payment.id))]


@pytest.mark.parametrize("payment_method", ["pm_does_not_exist", "not-a-payment-method"])
def test_unknown_payment_method_is_422_and_a_new_payment_can_start(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder, payment_method: str,
) -> None:
    headers = buyer_headers(app, db_session, order, **{"Idempotency-Key": "unknown-pm-1"})
    body = {"method": "card", "payment_method": payment_method}
    first = client.post(url(order), json=body, headers=headers)
    assert first.status_code == 422, first.json
    assert first.json["error"]["code"] == "invalid_payment_method"
    assert first.json["error"]["details"]["payment"]["status"] == "failed"
    assert statuses(db_session) == ["failed"]
    # the same request again is answered the same, without calling the gateway twice
    again = client.post(url(order), json=body, headers=headers)
    assert again.status_code == 422 and again.json == first.json
    # a failed payment does not block the order: a new one can start and succeed
    headers["Idempotency-Key"] = "unknown-pm-2"
    paid = client.post(url(order), json={"method": "card", "payment_method": card(gateway)},
                       headers=headers)
    assert paid.status_code == 201, paid.json
    assert paid.json["status"] == "succeeded"
    assert statuses(db_session) == ["failed", "succeeded"]


def test_refused_gateway_credentials_are_503_and_the_order_stays_payable(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    """localstripe answers 401 to a key that is not a secret key, as Stripe does to a bad one."""
    headers = buyer_headers(app, db_session, order, **{"Idempotency-Key": "bad-key-1"})
    body = {"method": "card", "payment_method": card(gateway)}
    app.extensions["mall.payments"] = StripeGateway(
        "pk_test_not_a_secret_key", "whsec_x", app.config["MALL"].stripe_api_base)
    try:
        refused = client.post(url(order), json=body, headers=headers)
    finally:
        app.extensions["mall.payments"] = gateway
    assert refused.status_code == 503, refused.json
    assert refused.json["error"]["code"] == "payment_gateway_unavailable"
    assert refused.json["error"]["details"]["payment_status"] == "failed"
    assert statuses(db_session) == ["failed"]
    # nothing was charged, so the same key may simply be sent again once the key is fixed
    retry = client.post(url(order), json=body, headers=headers)
    assert retry.status_code == 201, retry.json
    assert statuses(db_session) == ["failed", "succeeded"]


def test_a_refund_the_gateway_refuses_is_422_and_releases_the_amount(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    paid = client.post(url(order), headers=buyer_headers(app, db_session, order),
                       json={"method": "card", "payment_method": card(gateway)})
    assert paid.status_code == 201, paid.json
    payment = db_session.get_one(Payment, paid.json["id"])
    # a PaymentIntent localstripe does not know: it answers 404, as Stripe would
    payment.reference = "pi_not_known_to_the_gateway"
    db_session.commit()
    refund_url = f"/api/v1/payments/{payment.id}/refunds"
    supplier = supplier_headers(app, db_session, order.supplier_id)
    refused = client.post(refund_url, headers=supplier,
                          json={"amount": "100.00", "reason": "damaged"})
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "refund_rejected"
    db_session.expire_all()
    payment = db_session.get_one(Payment, payment.id)
    assert payment.refunded_amount == 0
    assert [r.status for r in payment.refunds] == ["failed"]


def _request_that_died(db_session: Session, app: Flask, gateway: StripeGateway,
                       order: PurchaseOrder, key: str, confirmed: bool) -> tuple[Any, ...]:
    """A card payment whose request died after the gateway created (and maybe confirmed)
    its PaymentIntent: the pending row, the intent and the Idempotency-Key are all there."""
    user = buyer(db_session, order)
    user_headers = buyer_headers(app, db_session, order, user, **{"Idempotency-Key": key})
    body = {"method": "card", "payment_method": card(gateway)}
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, created_by_id=user.id)
    db_session.add(payment)
    db_session.flush()
    params: dict[str, Any] = {"amount": 100000, "currency": "cny",
                              "payment_method": body["payment_method"],
                              "metadata": {"payment_id": str(payment.id)}}
    if confirmed:
        params["confirm"] = True
    intent = gateway.client.v1.payment_intents.create(params=params)
    assert intent.status == ("succeeded" if confirmed else "requires_confirmation")
    payment.reference = intent.id
    db_session.add(IdempotencyKey(user_id=user.id, key=key,
                                  request_hash=request_hash(url(order), body),
                                  response_body={"payment_id": payment.id}))
    db_session.commit()
    return payment, intent, body, user_headers


def test_a_retry_after_a_lost_confirmation_answer_does_not_confirm_twice(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    """The request died after the gateway charged: the retry reads the charge, not redoes it."""
    payment, intent, body, user_headers = _request_that_died(
        db_session, app, gateway, order, "lost-1", confirmed=True)

    retry = client.post(url(order), json=body, headers=user_headers)
    assert retry.status_code == 201, retry.json
    assert retry.json["id"] == payment.id and retry.json["reference"] == intent.id
    assert statuses(db_session) == ["succeeded"]


def test_a_retry_after_the_intent_was_created_but_not_confirmed_confirms_it(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    _, intent, body, user_headers = _request_that_died(
        db_session, app, gateway, order, "half-1", confirmed=False)

    retry = client.post(url(order), json=body, headers=user_headers)
    assert retry.status_code == 201, retry.json
    assert retry.json["reference"] == intent.id
    assert gateway.client.v1.payment_intents.retrieve(intent.id).status == "succeeded"


# --- error classes localstripe cannot produce -------------------------------------------


@dataclass
class MockStripe:
    """A stand-in Stripe API (a MOCK: localstripe never answers 403, 429, 5xx, 409 or
    idempotency errors). Real HTTP, so the real stripe client parses the answers."""

    base: str
    routes: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def mock_stripe() -> Iterator[MockStripe]:
    state: dict[str, MockStripe] = {}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            path = self.path.split("?")[0]
            mock = state["mock"]
            mock.requests.append((self.command, path))
            status, body = mock.routes.get((self.command, path), (404, {"error": {
                "type": "invalid_request_error", "message": "no route in the mock"}}))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", "req_mock")
            self.send_header("Stripe-Should-Retry", "false")  # one attempt per call
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["mock"] = MockStripe(base=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["mock"]
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _error(kind: str, message: str, **extra: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **extra}}


# (HTTP status, body) from the gateway -> (our status, our code, the payment's status)
ERROR_CLASSES = {
    "CardError": ((402, _error("card_error", "Your card was declined.",
                               code="card_declined")), (422, "card_declined", "failed")),
    "InvalidRequestError payment_method": (
        (400, _error("invalid_request_error", "No such PaymentMethod: 'pm_x'",
                     code="resource_missing", param="payment_method")),
        (422, "invalid_payment_method", "failed")),
    "InvalidRequestError amount": (
        (400, _error("invalid_request_error", "Amount must be at least 0.50",
                     code="amount_too_small", param="amount")),
        (422, "payment_rejected", "failed")),
    "AuthenticationError": ((401, _error("invalid_request_error", "Invalid API Key")),
                            (503, "payment_gateway_unavailable", "failed")),
    "PermissionError": ((403, _error("invalid_request_error", "The key lacks permission")),
                        (503, "payment_gateway_unavailable", "failed")),
    "IdempotencyError": ((400, _error("idempotency_error", "Keys for idempotent requests "
                                      "can only be used with the same parameters")),
                         (503, "payment_gateway_unavailable", "failed")),
    "RateLimitError": ((429, _error("invalid_request_error", "Too many requests",
                                    code="rate_limit")),
                       (503, "payment_gateway_unavailable", "pending")),
    "APIError": ((500, _error("api_error", "Something went wrong on Stripe's end")),
                 (503, "payment_gateway_unavailable", "pending")),
    "APIError 409 key in use": (
        (409, _error("invalid_request_error", "Another request with this key is in "
                     "progress", code="idempotency_key_in_use")),
        (503, "payment_gateway_unavailable", "pending")),
}


def _intent(status: str) -> dict[str, Any]:
    return {"id": "pi_mock_1", "object": "payment_intent", "status": status,
            "amount": 100000, "currency": "cny", "metadata": {}}


@pytest.mark.parametrize("phase", ["create", "confirm"])
@pytest.mark.parametrize("error_class", list(ERROR_CLASSES))
def test_mock_stripe_error_classes_map_to_422_or_503(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder, mock_stripe: MockStripe, error_class: str, phase: str,
) -> None:
    """Uses a MOCK Stripe server for the error classes localstripe cannot produce."""
    (gateway_status, gateway_body), (status, code, payment_status) = ERROR_CLASSES[error_class]
    if phase == "create":
        mock_stripe.routes[("POST", "/v1/payment_intents")] = (gateway_status, gateway_body)
    else:
        mock_stripe.routes[("POST", "/v1/payment_intents")] = (
            200, _intent("requires_confirmation"))
        mock_stripe.routes[("POST", "/v1/payment_intents/pi_mock_1/confirm")] = (
            gateway_status, gateway_body)
        mock_stripe.routes[("GET", "/v1/payment_intents/pi_mock_1")] = (
            200, _intent("requires_confirmation"))
    headers = buyer_headers(app, db_session, order, **{"Idempotency-Key": "mock-1"})
    body = {"method": "card", "payment_method": card(gateway)}
    app.extensions["mall.payments"] = StripeGateway("sk_test_mock", "whsec_x",
                                                    mock_stripe.base, timeout=5)
    try:
        answer = client.post(url(order), json=body, headers=headers)
    finally:
        app.extensions["mall.payments"] = gateway
    assert answer.status_code == status, answer.json
    assert answer.json["error"]["code"] == code
    assert statuses(db_session) == [payment_status]
    if phase == "confirm":
        assert db_session.scalars(select(Payment.reference)).all() == ["pi_mock_1"]
        return
    # against the real emulator again: a pending payment is finished by the same key, a
    # failed one leaves the order free for a new payment
    if status == 503:
        retry = client.post(url(order), json=body, headers=headers)
    else:
        headers["Idempotency-Key"] = "mock-2"
        retry = client.post(url(order), json=body, headers=headers)
    assert retry.status_code == 201, retry.json
    expected = ["succeeded"] if payment_status == "pending" else ["failed", "succeeded"]
    assert statuses(db_session) == expected


def test_mock_stripe_refusing_the_app_while_resuming_a_charge_keeps_it_pending(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder, mock_stripe: MockStripe,
) -> None:
    """Uses a MOCK Stripe server. An earlier attempt may have confirmed the charge, so a 401
    while reading it back proves nothing was charged: the payment must stay pending."""
    user = buyer(db_session, order)
    headers = buyer_headers(app, db_session, order, user, **{"Idempotency-Key": "resume-1"})
    body = {"method": "card", "payment_method": "pm_card_visa"}
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, reference="pi_mock_1", created_by_id=user.id)
    db_session.add(payment)
    db_session.flush()
    db_session.add(IdempotencyKey(user_id=user.id, key="resume-1",
                                  request_hash=request_hash(url(order), body),
                                  response_body={"payment_id": payment.id}))
    db_session.commit()
    mock_stripe.routes[("GET", "/v1/payment_intents/pi_mock_1")] = (
        401, _error("invalid_request_error", "Invalid API Key"))
    app.extensions["mall.payments"] = StripeGateway("sk_test_mock", "whsec_x",
                                                    mock_stripe.base, timeout=5)
    try:
        answer = client.post(url(order), json=body, headers=headers)
    finally:
        app.extensions["mall.payments"] = gateway
    assert answer.status_code == 503, answer.json
    assert answer.json["error"]["details"]["payment_status"] == "pending"
    assert statuses(db_session) == ["pending"]
    assert db_session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.key == "resume-1")) is not None
    assert mock_stripe.requests == [("GET", "/v1/payment_intents/pi_mock_1")]
