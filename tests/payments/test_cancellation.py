"""Cancelling (or rejecting) a paid order: refunded once through the real emulator, or refused;
stock, order and money always move together (issue 11, finding 10)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from mall.orders.models import PurchaseOrder
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment, Refund
from tests.payments.conftest import buyer_headers, card, supplier_headers
from tests.support import closed_port


def _offer(session: Session, order: PurchaseOrder) -> Offer:
    offer_id = order.lines[0].offer_id
    assert offer_id is not None
    offer = session.get_one(Offer, offer_id)
    session.refresh(offer)
    return offer


def _pay_by_card(client: FlaskClient, app: Flask, session: Session, gateway: StripeGateway,
                 order: PurchaseOrder, headers: dict[str, str]) -> Payment:
    paid = client.post(f"/api/v1/orders/{order.id}/payments", headers=headers,
                       json={"method": "card", "payment_method": card(gateway)})
    assert paid.status_code == 201 and paid.json["status"] == "succeeded", paid.json
    return session.get_one(Payment, paid.json["id"])


def _refunded_at_gateway(gateway: StripeGateway, payment: Payment) -> int:
    """What the emulator itself has refunded of the payment's charge, in minor units."""
    intent = gateway.client.v1.payment_intents.retrieve(payment.reference or "")
    charge = intent.latest_charge
    charge_id = charge if isinstance(charge, str) else charge.id  # type: ignore[union-attr]
    return int(gateway.client.v1.charges.retrieve(charge_id).amount_refunded)


def _cancel(client: FlaskClient, order: PurchaseOrder, headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/orders/{order.id}/cancel", headers=headers)


def _unchanged(session: Session, order: PurchaseOrder, stock: int,
               payment: Payment | None = None) -> None:
    """After a refused cancel: the request's work is rolled back (as the app's teardown
    does); the order, its stock and its payment are as before."""
    session.rollback()
    session.refresh(order)
    assert order.status == "placed"
    assert _offer(session, order).stock == stock
    if payment is not None:
        session.refresh(payment)
        assert payment.refunded_amount == Decimal("0.00")
        assert session.scalars(select(Refund)).all() == []


def test_cancelling_a_card_paid_order_refunds_it_once(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    payment = _pay_by_card(client, app, db_session, gateway, order, headers)
    reserved = _offer(db_session, order).stock

    cancelled = _cancel(client, order, headers)
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelled"
    db_session.refresh(payment)
    assert payment.refunded_amount == Decimal("1000.00")
    [refund] = db_session.scalars(select(Refund)).all()
    assert (refund.amount, refund.status) == (Decimal("1000.00"), "succeeded")
    assert refund.reference and refund.reference.startswith("re_")
    assert _refunded_at_gateway(gateway, payment) == 100000
    assert _offer(db_session, order).stock == reserved + 4  # the stock came back too

    again = _cancel(client, order, headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "illegal_transition"
    assert len(db_session.scalars(select(Refund)).all()) == 1
    assert _refunded_at_gateway(gateway, payment) == 100000
    listed = client.get(f"/api/v1/orders/{order.id}/payments", headers=headers).json
    assert listed["items"][0]["refunded"]["amount"] == "1000.00"


def test_only_what_the_supplier_has_not_refunded_is_refunded(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    payment = _pay_by_card(client, app, db_session, gateway, order, headers)
    part = client.post(f"/api/v1/payments/{payment.id}/refunds",
                       headers=supplier_headers(app, db_session, order.supplier_id),
                       json={"amount": "300.00", "reason": "damaged box"})
    assert part.status_code == 201, part.json
    assert _cancel(client, order, headers).status_code == 200
    db_session.refresh(payment)
    assert payment.refunded_amount == Decimal("1000.00")
    amounts = sorted(r.amount for r in db_session.scalars(select(Refund)))
    assert amounts == [Decimal("300.00"), Decimal("700.00")]
    assert _refunded_at_gateway(gateway, payment) == 100000


def test_a_fully_refunded_order_is_cancelled_without_another_refund(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    payment = _pay_by_card(client, app, db_session, gateway, order, headers)
    assert client.post(f"/api/v1/payments/{payment.id}/refunds",
                       headers=supplier_headers(app, db_session, order.supplier_id),
                       json={"amount": "1000.00", "reason": "returned"}).status_code == 201
    assert _cancel(client, order, headers).status_code == 200
    assert len(db_session.scalars(select(Refund)).all()) == 1
    assert _refunded_at_gateway(gateway, payment) == 100000


def test_a_supplier_rejecting_a_paid_order_refunds_it(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    payment = _pay_by_card(client, app, db_session, gateway, order,
                           buyer_headers(app, db_session, order))
    rejected = client.post(f"/api/v1/supplier/orders/{order.id}/reject",
                           headers=supplier_headers(app, db_session, order.supplier_id))
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    db_session.refresh(payment)
    assert payment.refunded_amount == Decimal("1000.00")
    assert _refunded_at_gateway(gateway, payment) == 100000


def test_a_gateway_outage_refuses_the_cancel_and_changes_nothing(
    client: FlaskClient, db_session: Session, app: Flask, gateway: StripeGateway,
    order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    payment = _pay_by_card(client, app, db_session, gateway, order, headers)
    reserved = _offer(db_session, order).stock
    app.extensions["mall.payments"] = StripeGateway(
        "sk_test_x", "whsec_x", f"http://127.0.0.1:{closed_port()}", timeout=1)
    try:
        down = _cancel(client, order, headers)
    finally:
        app.extensions["mall.payments"] = gateway
    assert down.status_code == 503, down.json
    assert down.json["error"]["code"] == "payment_gateway_unavailable"
    _unchanged(db_session, order, reserved, payment)
    assert _refunded_at_gateway(gateway, payment) == 0
    # once the gateway answers, the same cancel goes through, refunding once
    assert _cancel(client, order, headers).status_code == 200
    assert _refunded_at_gateway(gateway, payment) == 100000


def test_a_pending_card_payment_refuses_the_cancel(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    # what a charge whose answer has not come yet leaves behind
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, created_by_id=_user_id(db_session, order))
    db_session.add(payment)
    db_session.commit()
    reserved = _offer(db_session, order).stock
    refused = _cancel(client, order, headers)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "payment_pending"
    _unchanged(db_session, order, reserved, payment)


def _user_id(session: Session, order: PurchaseOrder) -> int:
    from mall.accounts.models import User

    user_id = session.scalar(select(User.id).where(
        User.organization_id == order.purchaser_organization_id).limit(1))
    assert user_id is not None
    return user_id


def test_a_settled_invoice_refuses_the_cancel(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    invoice = client.post(f"/api/v1/orders/{order.id}/payments", json={"method": "invoice"},
                          headers=headers)
    assert invoice.status_code == 201
    reserved = _offer(db_session, order).stock
    settled = client.post(f"/api/v1/payments/{invoice.json['id']}/settle", headers=headers)
    assert settled.status_code == 200
    refused = _cancel(client, order, headers)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "invoice_settled"
    _unchanged(db_session, order, reserved)


def test_an_unsettled_invoice_is_voided_on_cancel(
    client: FlaskClient, db_session: Session, app: Flask, order: PurchaseOrder,
) -> None:
    headers = buyer_headers(app, db_session, order)
    invoice = client.post(f"/api/v1/orders/{order.id}/payments", json={"method": "invoice"},
                          headers=headers)
    assert _cancel(client, order, headers).status_code == 200
    payment = db_session.get_one(Payment, invoice.json["id"])
    db_session.refresh(payment)
    assert payment.status == "failed" and "Voided" in (payment.failure_message or "")
    late = client.post(f"/api/v1/payments/{payment.id}/settle", headers=headers)
    assert late.status_code == 409
