from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class PaymentRequestSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(["card", "invoice"]))
    payment_method = fields.String(validate=validate.Length(min=1, max=255))

    @validates_schema
    def _card_needs_a_method(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("method") == "card" and not data.get("payment_method"):
            raise ValidationError("A card payment needs a payment_method (e.g. pm_…).",
                                  "payment_method")


class RefundRequestSchema(Schema):
    amount = fields.Decimal(required=True, places=2, validate=validate.Range(min=0.01),
                            as_string=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
