from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

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
