"""Card payments left pending by a lost answer are decided with the gateway (localstripe)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.orders.models import PurchaseOrder
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment
from mall.payments.reconciliation import reconcile_pending_payments
from tests.payments.conftest import buyer, card


def _pending(session: Session, order: PurchaseOrder, age: timedelta,
             reference: str | None) -> Payment:
    payment = Payment(order_id=order.id, method="card", status="pending", amount=order.total,
                      currency=order.currency, created_by_id=buyer(session, order).id,
                      created_at=utcnow() - age, reference=reference)
    session.add(payment)
    session.commit()
    return payment


def _intent(gateway: StripeGateway, **params: Any) -> str:
    return str(gateway.client.v1.payment_intents.create(params={
        "amount": 100000, "currency": "cny", "payment_method": card(gateway), **params}).id)


def test_a_charge_that_went_through_is_recorded_as_succeeded(
        db_session: Session, gateway: StripeGateway, order: PurchaseOrder) -> None:
    payment = _pending(db_session, order, timedelta(minutes=20),
                       _intent(gateway, confirm=True))
    counts = reconcile_pending_payments(db_session, gateway)
    db_session.refresh(payment)
    assert payment.status == "succeeded" and counts["succeeded"] == 1


def test_a_charge_never_started_fails_after_an_hour_so_a_new_one_can_start(
        db_session: Session, gateway: StripeGateway, order: PurchaseOrder) -> None:
    young = _pending(db_session, order, timedelta(minutes=20), None)
    assert reconcile_pending_payments(db_session, gateway)["still_pending"] == 1
    db_session.refresh(young)
    assert young.status == "pending"  # the request may still be under way
    young.created_at = utcnow() - timedelta(hours=2)
    db_session.commit()
    reconcile_pending_payments(db_session, gateway)
    db_session.refresh(young)
    assert young.status == "failed" and "nothing was charged" in (young.failure_message or "")


def test_an_unconfirmed_charge_fails_once_stale_and_recent_ones_are_left_alone(
        db_session: Session, gateway: StripeGateway, order: PurchaseOrder) -> None:
    stale = _pending(db_session, order, timedelta(hours=2), _intent(gateway))
    counts = reconcile_pending_payments(db_session, gateway)
    db_session.refresh(stale)
    assert stale.status == "failed" and counts["failed"] == 1
    # Never confirmed by the reconciler: nothing was charged at the gateway.
    intent = gateway.client.v1.payment_intents.retrieve(stale.reference or "")
    assert intent.status == "requires_confirmation"
    recent = _pending(db_session, order, timedelta(minutes=1), None)
    reconcile_pending_payments(db_session, gateway)
    db_session.refresh(recent)
    assert recent.status == "pending"
