"""The card payment gateway behind a small interface; Stripe is the default."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, cast

import stripe

from mall.config import Config
from mall.money import to_minor_units


@dataclass(frozen=True)
class ChargeResult:
    reference: str
    status: str  # "succeeded" | "processing" | "requires_action" | "failed"
    failure_message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str


class PaymentDeclined(Exception):
    """The card was declined; the message is safe to show to the payer."""


class GatewayUnavailable(Exception):
    """The gateway could not be reached; nothing is known to have been charged."""


class PaymentGateway(Protocol):
    def charge(self, amount: Decimal, currency: str, payment_method: str,
               idempotency_key: str, metadata: dict[str, str]) -> ChargeResult: ...

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

    def charge(self, amount: Decimal, currency: str, payment_method: str,
               idempotency_key: str, metadata: dict[str, str]) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": to_minor_units(amount, currency),
                    "currency": currency.lower(),
                    # localstripe needs the method at creation; confirming at once works
                    # with both it and Stripe.
                    "payment_method": payment_method,
                    "confirm": True,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.user_message or "The card was declined.") from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(str(exc)) from exc
        status = intent.status if intent.status in ("succeeded", "processing",
                                                    "requires_action") else "failed"
        failure = None
        if status == "failed" and intent.last_payment_error:
            failure = intent.last_payment_error.message
        return ChargeResult(reference=intent.id, status=status, failure_message=failure)

    def refund(self, reference: str, amount: Decimal, currency: str,
               idempotency_key: str) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference,
                        "amount": to_minor_units(amount, currency)},
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(str(exc)) from exc
        return RefundResult(reference=refund.id, status=refund.status or "pending")

    def parse_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        """The verified event; raises ``stripe.SignatureVerificationError`` when forged."""
        # construct_event is unannotated in stripe; it builds a (v1) stripe.Event.
        event: stripe.Event = stripe.Webhook.construct_event(payload, signature,
                                                             self.webhook_secret)
        return event.to_dict()


def init_app(app: Any) -> None:
    """Bind the app's gateway: Stripe (or localstripe via ``MALL_STRIPE_API_BASE``)."""
    app.extensions["mall.payments"] = StripeGateway.from_config(app.config["MALL"])


def current_gateway() -> PaymentGateway:
    from flask import current_app

    return cast(PaymentGateway, current_app.extensions["mall.payments"])  # set in init_app
