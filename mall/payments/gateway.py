"""The card payment gateway behind a small interface; Stripe is the default.

A card payment is two calls: ``create_charge`` makes the PaymentIntent (no money moves) and
the caller stores its id; ``confirm_charge`` then charges it. The id is thus on the payment
before any money can move, so webhooks are matched by it alone, and a retry resumes that
intent (``charge_status``) instead of charging again.

Every gateway error becomes one of three, each a different answer:

- ``PaymentRefused`` (``PaymentDeclined`` for cards): the payer can fix it (a declined card,
  an unknown or invalid payment method); nothing was charged.
- ``GatewayRefused``: the gateway refused the app itself (credentials, permissions, an
  idempotency key reused with other parameters); nothing was charged, and sending the same
  call again will not help until an operator acts.
- ``GatewayUnavailable``: no answer, rate limited or a gateway fault; the call may or may
  not have been applied, so the same call (same idempotency key) may be sent again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, cast

import stripe

from mall.config import Config, ConfigError
from mall.money import to_minor_units

# The emulator's well-known secrets (devservices, var/services.env); never valid on Stripe.
DEV_SECRET_KEY = "sk_test_localstripe"
DEV_WEBHOOK_SECRET = "whsec_localstripe"


@dataclass(frozen=True)
class ChargeResult:
    reference: str
    # "succeeded" | "processing" | "requires_action" | "requires_confirmation" | "failed"
    status: str
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str


class GatewayError(Exception):
    """The gateway did not do what was asked."""


class PaymentRefused(GatewayError):
    """Refused for a reason the payer can fix; nothing was charged. The message is safe to show.

    ``code``: ``card_declined``, ``invalid_payment_method`` or ``payment_rejected``.
    """

    def __init__(self, message: str, code: str = "payment_rejected",
                 gateway_message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.gateway_message = gateway_message


class PaymentDeclined(PaymentRefused):
    """The card was declined; the message is safe to show to the payer."""

    def __init__(self, message: str, gateway_message: str | None = None) -> None:
        super().__init__(message, "card_declined", gateway_message)


class GatewayRefused(GatewayError):
    """The gateway refused the app's own request; nothing was charged, a resend will not help."""


class GatewayUnavailable(GatewayError):
    """No usable answer (outage, rate limit, gateway fault); the call may have been applied."""


def _refusal(exc: stripe.StripeError, *, about_payment_method: bool) -> GatewayError:
    """The answer a Stripe error stands for (see the module docstring)."""
    said = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.CardError):
        return PaymentDeclined(exc.user_message or "The card was declined.", said)
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.param == "payment_method" or (exc.param is None and about_payment_method):
            return PaymentRefused("The payment method is unknown or cannot be used; pay with "
                                  "another one.", "invalid_payment_method", said)
        return PaymentRefused(f"The payment service refused the payment: {said}",
                              "payment_rejected", said)
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError
                  | stripe.IdempotencyError):
        return GatewayRefused(f"{type(exc).__name__}: {said}")
    # APIConnectionError, RateLimitError, APIError and anything newer: outcome unknown.
    return GatewayUnavailable(f"{type(exc).__name__}: {said}")


def _result(intent: stripe.PaymentIntent) -> ChargeResult:
    status = intent.status
    if status in ("succeeded", "processing", "requires_action", "requires_confirmation"):
        return ChargeResult(reference=intent.id, status=status)
    if status == "requires_capture":  # authorised; this app never captures by hand
        return ChargeResult(reference=intent.id, status="processing")
    # requires_payment_method (the last attempt failed) or canceled
    error = intent.last_payment_error
    message = (error.message if error and error.message else None) or (
        "The payment was canceled." if status == "canceled" else "The card was declined.")
    return ChargeResult(reference=intent.id, status="failed", failure_message=message)


class PaymentGateway(Protocol):
    def create_charge(self, amount: Decimal, currency: str, payment_method: str,
                      idempotency_key: str, metadata: dict[str, str]) -> str:
        """A new, unconfirmed charge; returns its reference. Moves no money."""
        ...

    def confirm_charge(self, reference: str, idempotency_key: str) -> ChargeResult: ...

    def charge_status(self, reference: str) -> ChargeResult: ...

    def refund(self, reference: str, amount: Decimal, currency: str,
               idempotency_key: str) -> RefundResult: ...

    def parse_webhook(self, payload: bytes, signature: str) -> dict[str, Any]: ...


class StripeGateway:
    """PaymentGateway over ``stripe.StripeClient``; ``api_base`` points at localstripe in dev."""

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None,
                 timeout: float = 20.0) -> None:
        options: dict[str, Any] = {"max_network_retries": 2,
                                   "http_client": stripe.RequestsClient(timeout=timeout)}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)
        self.webhook_secret = webhook_secret

    @classmethod
    def from_config(cls, config: Config) -> StripeGateway:
        return cls(config.stripe_secret_key, config.stripe_webhook_secret,
                   config.stripe_api_base)

    def create_charge(self, amount: Decimal, currency: str, payment_method: str,
                      idempotency_key: str, metadata: dict[str, str]) -> str:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": to_minor_units(amount, currency),
                    "currency": currency.lower(),
                    # localstripe needs the method at creation (it cannot confirm with one).
                    "payment_method": payment_method,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _refusal(exc, about_payment_method=True) from exc
        return intent.id

    def confirm_charge(self, reference: str, idempotency_key: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.confirm(
                reference, options={"idempotency_key": idempotency_key})
        except stripe.InvalidRequestError as exc:
            # Refused because another attempt confirmed it already: its state is the answer.
            current = self.charge_status(reference)
            if current.status != "requires_confirmation":
                return current
            raise _refusal(exc, about_payment_method=False) from exc
        except stripe.StripeError as exc:
            raise _refusal(exc, about_payment_method=False) from exc
        return _result(intent)

    def charge_status(self, reference: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.retrieve(reference)
        except stripe.StripeError as exc:
            raise _refusal(exc, about_payment_method=False) from exc
        return _result(intent)

    def refund(self, reference: str, amount: Decimal, currency: str,
               idempotency_key: str) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference,
                        "amount": to_minor_units(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _refusal(exc, about_payment_method=False) from exc
        return RefundResult(reference=refund.id, status=refund.status or "pending")

    def parse_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        """The verified event; raises ``stripe.SignatureVerificationError`` when forged and
        ``ValueError`` when a correctly signed body is not a JSON object (not an event)."""
        stripe.WebhookSignature.verify_header(payload.decode("utf-8", "replace"), signature,
                                              self.webhook_secret)
        event = json.loads(payload)
        if not isinstance(event, dict):
            raise ValueError("a Stripe event is a JSON object")
        return event


def check_config(config: Config) -> None:
    """Refuse to talk to real Stripe (no ``MALL_STRIPE_API_BASE``) with the emulator's secrets."""
    if config.stripe_api_base:
        return
    if config.stripe_secret_key == DEV_SECRET_KEY:
        raise ConfigError(f"MALL_STRIPE_SECRET_KEY is the emulator's {DEV_SECRET_KEY!r} but "
                          "MALL_STRIPE_API_BASE is unset (real Stripe): set the account's "
                          "secret key, or point MALL_STRIPE_API_BASE at localstripe")
    if config.stripe_webhook_secret == DEV_WEBHOOK_SECRET:
        raise ConfigError(f"MALL_STRIPE_WEBHOOK_SECRET is the emulator's "
                          f"{DEV_WEBHOOK_SECRET!r} but MALL_STRIPE_API_BASE is unset (real "
                          "Stripe), so anyone could sign webhooks: set the endpoint's signing "
                          "secret, or point MALL_STRIPE_API_BASE at localstripe")


def init_app(app: Any) -> None:
    """Bind the app's gateway: Stripe (or localstripe via ``MALL_STRIPE_API_BASE``)."""
    config: Config = app.config["MALL"]
    check_config(config)
    app.extensions["mall.payments"] = StripeGateway.from_config(config)


def current_gateway() -> PaymentGateway:
    from flask import current_app

    return cast(PaymentGateway, current_app.extensions["mall.payments"])  # set in init_app
