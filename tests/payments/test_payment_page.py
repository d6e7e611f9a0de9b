"""The payment page through the test client: who may see and post it, the invoice and card
paths against localstripe, bad input and wrong order states (each refused, nothing paid)."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.orders.models import PurchaseOrder
from mall.orders.services.purchase_orders import transition
from mall.payments.gateway import StripeGateway
from mall.payments.models import Payment
from tests.factories.accounts import PASSWORD, make_org, make_user
from tests.payments.conftest import DECLINE_CARD, GOOD_CARD, buyer, purchaser


def _log_in(client: FlaskClient, email: str, lang: str = "en") -> None:
    client.set_cookie("mall_lang", lang)
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def _payments(session: Session, order: PurchaseOrder) -> list[Payment]:
    session.expire_all()
    return list(session.scalars(select(Payment).where(Payment.order_id == order.id)
                                .order_by(Payment.id)))


def _form_key(page: str, method: str) -> str:
    """The idempotency key the rendered form for ``method`` carries."""
    form = page.split(f'name="method" value="{method}"', 1)[1]
    return form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]


def card_id(gateway: StripeGateway, number: str = GOOD_CARD) -> str:
    """What the page's script posts: the card of a token localstripe made for ``number``.

    The token is asked for as Stripe.js asks (a form post with the publishable key), not
    through the secret-key client.
    """
    base = str(current_app.config["MALL"].stripe_api_base or "").rstrip("/")
    assert base, "the tests pay through localstripe (MALL_STRIPE_API_BASE)"
    body = urlencode({"card[number]": number, "card[exp_month]": "12",
                      "card[exp_year]": "2031", "card[cvc]": "123",
                      "key": "pk_test_localstripe", "payment_user_agent": "localstripe"})
    with urlopen(Request(f"{base}/v1/tokens", data=body.encode(), method="POST"),
                 timeout=30) as answer:
        return str(json.loads(answer.read())["card"]["id"])


def test_order_page_links_to_the_payment_page_with_a_card_and_an_invoice_form(
    client: FlaskClient, db_session: Session, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/orders/{order.id}/pay"' in detail and "Not paid yet" in detail
    response = client.get(f"/orders/{order.id}/pay")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="card-form"' in page and 'class="stack pay-invoice"' in page
    assert "1,000.00" in page
    # Stripe.js comes from the emulator; the page's own script is a static file
    assert 'src="http://127.0.0.1:8420/js.stripe.com/v3/"' in page
    assert "/static/payment.js" in page and "<script>" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' http://127.0.0.1:8420" in policy
    assert "connect-src 'self' http://127.0.0.1:8420" in policy
    assert "frame-src 'self' http://127.0.0.1:8420" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    # no other page widens the policy
    assert "8420" not in client.get(f"/orders/{order.id}").headers["Content-Security-Policy"]


def test_invoice_path_pays_once_and_the_order_page_shows_it(
    client: FlaskClient, db_session: Session, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    page = client.get(f"/orders/{order.id}/pay").get_data(as_text=True)
    form = {"method": "invoice", "idempotency_key": _form_key(page, "invoice")}
    response = client.post(f"/orders/{order.id}/pay", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    [payment] = _payments(db_session, order)
    assert payment.method == "invoice" and payment.status == "invoiced"
    assert payment.reference and payment.created_by_id == user.id
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "will be paid by invoice" in detail and payment.reference in detail
    assert 'data-payment-status="invoiced"' in detail and "Invoiced" in detail
    assert f'href="/orders/{order.id}/pay"' not in detail
    # the same form sent twice (a double click): answered again, nothing new
    again = client.post(f"/orders/{order.id}/pay", data=form, follow_redirects=True)
    assert "will be paid by invoice" in again.get_data(as_text=True)
    assert len(_payments(db_session, order)) == 1
    # a new form: refused, the order is already paid
    page = client.get(f"/orders/{order.id}/pay").get_data(as_text=True)
    assert "needs no further payment" in page and 'id="card-form"' not in page
    refused = client.post(f"/orders/{order.id}/pay", data={"method": "invoice"},
                          follow_redirects=True)
    assert "already has a payment" in refused.get_data(as_text=True)
    assert len(_payments(db_session, order)) == 1


def test_card_path_pays_with_the_card_id_the_page_posts(
    client: FlaskClient, db_session: Session, gateway: StripeGateway, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    page = client.get(f"/orders/{order.id}/pay").get_data(as_text=True)
    response = client.post(f"/orders/{order.id}/pay", follow_redirects=True, data={
        "method": "card", "payment_method": card_id(gateway),
        "idempotency_key": _form_key(page, "card")})
    text = response.get_data(as_text=True)
    assert f"Order #{order.id} is paid." in text
    [payment] = _payments(db_session, order)
    assert payment.status == "succeeded" and payment.reference.startswith("pi_")
    intent = gateway.client.v1.payment_intents.retrieve(payment.reference)
    assert intent.amount == 100000 and intent.status == "succeeded"
    assert 'data-payment-status="succeeded"' in text


def test_declined_card_says_so_charges_nothing_and_the_order_stays_payable(
    client: FlaskClient, db_session: Session, gateway: StripeGateway, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    response = client.post(f"/orders/{order.id}/pay", data={
        "method": "card", "payment_method": card_id(gateway, DECLINE_CARD)})
    assert response.headers["Location"].endswith(f"/orders/{order.id}/pay")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The card was declined; nothing was charged." in page
    assert [p.status for p in _payments(db_session, order)] == ["failed"]
    assert 'id="card-form"' in page  # another card (or the invoice) may still pay
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/orders/{order.id}/pay"' in detail
    # the same in Chinese
    _log_in(client, user.email, lang="zh")
    client.post(f"/orders/{order.id}/pay", data={
        "method": "card", "payment_method": card_id(gateway, DECLINE_CARD)})
    page = client.get(f"/orders/{order.id}/pay").get_data(as_text=True)
    assert "银行卡被拒绝，未扣款" in page


@pytest.mark.parametrize(("form", "message"), [
    ({}, "Choose how to pay: by card or by invoice."),
    ({"method": "cash"}, "Choose how to pay: by card or by invoice."),
    ({"method": "card"}, "Enter the card details, then pay."),
    ({"method": "card", "payment_method": "   "}, "Enter the card details, then pay."),
    ({"method": "card", "payment_method": "x" * 300}, "The card could not be used"),
    ({"method": "card", "payment_method": "pm_does_not_exist"}, "The card could not be used"),
    ({"method": "invoice", "idempotency_key": "k" * 300}, "Idempotency-Key must be at most"),
])
def test_bad_input_is_refused_with_a_sentence_and_pays_nothing(
    client: FlaskClient, db_session: Session, order: PurchaseOrder, form: dict[str, str],
    message: str
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    response = client.post(f"/orders/{order.id}/pay", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/orders/{order.id}/pay")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert all(p.status == "failed" for p in _payments(db_session, order))
    assert 'id="card-form"' in page


def test_a_cancelled_order_cannot_be_paid(
    client: FlaskClient, db_session: Session, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    transition(db_session, user, order.id, "cancel", "purchaser", reason="no longer needed")
    db_session.commit()
    _log_in(client, user.email)
    page = client.get(f"/orders/{order.id}/pay").get_data(as_text=True)
    assert "cannot be paid" in page and 'id="card-form"' not in page
    assert "pay-invoice" not in page
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/orders/{order.id}/pay"' not in detail
    response = client.post(f"/orders/{order.id}/pay", data={"method": "invoice"},
                           follow_redirects=True)
    assert "can no longer be paid" in response.get_data(as_text=True)
    assert _payments(db_session, order) == []


def test_only_the_purchasing_organizations_payers_may_see_and_post(
    client: FlaskClient, db_session: Session, order: PurchaseOrder
) -> None:
    own = purchaser(db_session, order)
    approver = make_user(db_session, own, roles=("approver",))
    auditor = make_user(db_session, own, roles=("auditor",))
    finance = make_user(db_session, own, roles=("finance",))
    stranger = make_user(db_session, make_org(db_session, kind="purchaser"),
                         roles=("buyer", "finance"))
    supplier = make_user(db_session, db_session.get_one(Organization, order.supplier_id),
                         roles=("supplier_admin",))
    db_session.commit()

    anonymous = client.get(f"/orders/{order.id}/pay")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.post(f"/orders/{order.id}/pay", data={"method": "invoice"}).status_code \
        in (302, 401)

    _log_in(client, stranger.email)  # another organization's order does not exist for it
    assert client.get(f"/orders/{order.id}/pay").status_code == 404
    assert client.post(f"/orders/{order.id}/pay",
                       data={"method": "invoice"}).status_code == 404
    for user in (approver, auditor, supplier):
        _log_in(client, user.email)
        assert client.get(f"/orders/{order.id}/pay").status_code == 403, user.roles
        assert client.post(f"/orders/{order.id}/pay",
                           data={"method": "invoice"}).status_code == 403
    _log_in(client, auditor.email)  # may read the order, but is offered no payment
    detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Not paid yet" in detail and f'href="/orders/{order.id}/pay"' not in detail
    assert _payments(db_session, order) == []

    _log_in(client, finance.email)  # finance staff may pay
    response = client.post(f"/orders/{order.id}/pay", data={"method": "invoice"})
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert [p.status for p in _payments(db_session, order)] == ["invoiced"]


def test_the_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, db_session: Session, order: PurchaseOrder
) -> None:
    user = buyer(db_session, order)
    db_session.commit()
    _log_in(client, user.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/orders/{order.id}/pay", data={"method": "invoice"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _payments(db_session, order) == []
