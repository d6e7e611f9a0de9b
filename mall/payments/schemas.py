"""The payments API's shapes: request bodies (loaded by the views) and the answers
(documenting ``serializers.py`` for the OpenAPI document).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from mall.apidoc import AnswerSchema, money_field, timestamp
from mall.money import CENT, to_cents


class PaymentRequestSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(["card", "invoice"]))
    payment_method = fields.String(validate=validate.Length(min=1, max=255))

    @validates_schema
    def _card_needs_a_method(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("method") == "card" and not data.get("payment_method"):
            raise ValidationError("A card payment needs a payment_method (e.g. pm_…).",
                                  "payment_method")


# The largest amount a money column (Numeric(14, 2)) holds.
MAX_AMOUNT = Decimal("999999999999.99")


def _whole_cents(value: Decimal) -> None:
    """Refuse an amount finer than a cent (``1.005``); trailing zeros (``1.500``) are fine."""
    _, digits, exponent = value.as_tuple()
    below_cent = -exponent - 2 if isinstance(exponent, int) else 0  # NaN: the field refuses
    if below_cent > 0 and any(digits[-below_cent:]):
        raise ValidationError("At most 2 decimal places (whole cents).")


class RefundRequestSchema(Schema):
    # Decimal bounds: a float 0.01 is slightly more than Decimal("0.01") and refused a cent.
    # No ``places``: it would round 1.005 to 1.00 instead of refusing it.
    amount = fields.Decimal(required=True, as_string=True,
                            validate=[validate.Range(min=CENT, max=MAX_AMOUNT), _whole_cents])
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))

    @post_load
    def _to_cents(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["amount"] = to_cents(data["amount"])  # exact: validated as whole cents
        return data


class StripeEventSchema(Schema):
    """A Stripe event as the gateway sends it, signed in the Stripe-Signature header."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(metadata={"example": "evt_1"})
    type = fields.String(metadata={"example": "payment_intent.succeeded"})
    data = fields.Dict()


# --- Answers -------------------------------------------------------------------------------

class RefundSchema(AnswerSchema):
    id = fields.Integer()
    amount = money_field()
    status = fields.String()
    reason = fields.String(allow_none=True)
    created_at = timestamp()


class PaymentSchema(AnswerSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    method = fields.String(validate=validate.OneOf(["card", "invoice"]))
    status = fields.String(metadata={"example": "succeeded"})
    amount = money_field()
    refunded = money_field(allow_none=True)
    reference = fields.String(allow_none=True)
    failure_message = fields.String(allow_none=True)
    refunds = fields.List(fields.Nested(RefundSchema))
    created_at = timestamp()


class WebhookOutcomeSchema(AnswerSchema):
    sometimes = ("reason",)

    received = fields.Boolean()
    outcome = fields.String(validate=validate.OneOf(["applied", "duplicate", "ignored"]))
    reason = fields.String(required=False, metadata={"description": "why it was ignored"})
