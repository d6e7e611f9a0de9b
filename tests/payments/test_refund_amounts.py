"""Refund amounts are decimal cents: 0.01 is the smallest, finer amounts are refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from mall.orders.models import PurchaseOrder
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment
from mall.payments.schemas import RefundRequestSchema
from tests.payments.conftest import buyer_headers, card, supplier_headers


@pytest.mark.parametrize(("amount", "expected"), [
    ("0.01", Decimal("0.01")),
    (0.01, Decimal("0.01")),  # a JSON number
    ("0.10", Decimal("0.10")),
    ("1.5", Decimal("1.50")),
    ("1.500", Decimal("1.50")),  # trailing zeros are not extra precision
    ("999999999999.99", Decimal("999999999999.99")),
    ("1000.00", Decimal("1000.00")),
])
def test_refund_amounts_of_a_cent_or_more_are_accepted(amount: Any, expected: Decimal) -> None:
    data = RefundRequestSchema().load({"amount": amount, "reason": "damaged"})
    assert isinstance(data["amount"], Decimal)
    assert data["amount"] == expected
    assert data["amount"].as_tuple().exponent == -2  # whole cents, as stored


@pytest.mark.parametrize("amount", [
    "0", "0.00", "-0.01", "-5", "0.001", "0.009", "1.005", "10.123", "NaN", "Infinity", "abc",
    "1000000000000.00", "1e30", "123456789012345678901234567890.001",
])
def test_zero_negative_and_sub_cent_refund_amounts_are_refused(amount: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        RefundRequestSchema().load({"amount": amount, "reason": "damaged"})
    assert "amount" in refused.value.messages


def test_a_refund_of_one_cent_goes_through(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    paid = client.post(f"/api/v1/orders/{order.id}/payments",
                       headers=buyer_headers(app, db_session, order),
                       json={"method": "card", "payment_method": card(gateway)})
    assert paid.status_code == 201, paid.json
    supplier = supplier_headers(app, db_session, order.supplier_id)
    url = f"/api/v1/payments/{paid.json['id']}/refunds"
    cent = client.post(url, headers=supplier, json={"amount": "0.01", "reason": "rounding"})
    assert cent.status_code == 201, cent.json
    assert cent.json["refunded"]["amount"] == "0.01"
    finer = client.post(url, headers=supplier, json={"amount": "0.005", "reason": "x"})
    assert finer.status_code == 400
    assert finer.json["error"]["details"]["problems"][0]["field"] == "amount"
    db_session.expire_all()
    assert db_session.get_one(Payment, paid.json["id"]).refunded_amount == Decimal("0.01")
