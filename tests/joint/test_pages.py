"""A campaign walked through its pages (no browser): open, join, close, quote, award."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.db import utcnow
from mall.joint.models import JointPurchase
from mall.orders.models import Competition, PurchaseOrder
from tests.factories.accounts import PASSWORD
from tests.joint.conftest import JointWorld


class _Forgetful(FlaskClient):
    """A browser of its own: the test's one app context must not keep the last page's
    signed-in user (flask-login caches it in ``g``)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _as(app: Flask, user: User) -> FlaskClient:
    client = _Forgetful(app, app.response_class, use_cookies=True)
    # Reads the pages in English (the language is remembered in a cookie).
    response = client.post("/login?lang=en", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return client


def test_one_campaign_from_creation_to_three_orders(app: Flask, jw: JointWorld,
                                                   db_session: Session) -> None:
    lead = _as(app, jw.buyers[0])
    closes = utcnow() + timedelta(days=2)
    made = lead.post("/joint-purchases", data={
        "title": "Walked laptops", "agreement_number": jw.agreement.number, "lot_code": "L1",
        "product_id": str(jw.product_id), "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        "deliver_by": (closes.date() + timedelta(days=20)).isoformat()})
    assert made.status_code == 302
    campaign = db_session.scalars(select(JointPurchase).where(
        JointPurchase.title == "Walked laptops")).one()
    url = f"/joint-purchases/{campaign.id}"
    for buyer, qty in zip(jw.buyers, (20, 30, 50), strict=True):
        page = _as(app, buyer) if buyer is not jw.buyers[0] else lead
        done = page.post(f"{url}/commit", data={"quantity": str(qty)}, follow_redirects=True)
        assert b"Your commitment is recorded." in done.data
        assert b'class="preview-route"' in done.data
    refused = lead.post(f"{url}/commit", data={"quantity": "zero"}, follow_redirects=True)
    assert b"Enter a quantity of at least 1." in refused.data
    closed = lead.post(f"{url}/close", follow_redirects=True)
    assert b'data-status="competing"' in closed.data
    competition_id = db_session.get_one(JointPurchase, campaign.id).competition_id
    assert competition_id is not None
    supplier = _as(app, jw.supplier_users[1])
    invitation = supplier.get(f"/supplier/competitions/{competition_id}")
    assert invitation.status_code == 200
    assert b"CN-BJ, CN-GD, CN-SH" in invitation.data  # the delivery regions
    for index, price in ((0, "90.00"), (1, "92.00"), (2, "95.00")):
        quoted = app.test_client().post(
            f"/api/v1/competitions/{competition_id}/quotes",
            json={"lines": [{"line_id": campaign.id, "unit_price": price}]},
            headers=jw.headers(jw.supplier_users[index]))
        assert quoted.status_code == 201, quoted.get_json()
    db_session.get_one(Competition, competition_id).deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert lead.get(f"/competitions/{competition_id}").status_code == 200
    awarded = lead.post(f"{url}/award", follow_redirects=True)
    assert b'data-status="awarded"' in awarded.data
    assert b'class="award-price">92.00 CNY' in awarded.data
    orders = db_session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.supplier_id == jw.suppliers[1].id)).all()
    assert len(orders) == 1  # the other two wait for their own approvers
    follower = _as(app, jw.buyers[2]).get(url)
    assert b'class="my-requisition"' in follower.data
    assert jw.purchasers[0].name.encode() not in follower.data  # no other identities


def test_the_standard_page_invites_to_join(app: Flask, jw: JointWorld,
                                           client: FlaskClient) -> None:
    created = client.post("/api/v1/admin/standards", headers=jw.headers(jw.center), json={
        "code": "LAPTOP-16", "category_code": jw.offers[0].category.code,
        "title_zh": "笔记本", "title_en": "Laptop",
        "requirements": [{"attribute": "memory_gb", "op": "gte", "value": 16}]})
    assert created.status_code == 201
    body = jw.create(client, product_id=None, standard_code="LAPTOP-16")
    page = _as(app, jw.buyers[1]).get("/standards/LAPTOP-16")
    assert f'data-joint-purchase-id="{body["id"]}"'.encode() in page.data
    anonymous = _Forgetful(app, app.response_class).get("/standards/LAPTOP-16")
    assert b"joint-banner" not in anonymous.data


def test_the_header_links_to_joint_purchases_for_purchasers_and_the_center(
        app: Flask, jw: JointWorld) -> None:
    for user in (jw.buyers[0], jw.approvers[jw.purchasers[1].id][0], jw.center):
        page = _as(app, user).get("/joint-purchases" if user is jw.center else "/requisitions")
        assert b'class="nav-joint" href="/joint-purchases">Joint purchases</a>' in page.data
    supplier = _as(app, jw.supplier_users[0]).get("/supplier/orders")
    assert supplier.status_code == 200 and b"nav-joint" not in supplier.data
    chinese = _Forgetful(app, app.response_class, use_cookies=True)
    chinese.post("/login?lang=zh", data={"email": jw.buyers[0].email, "password": PASSWORD})
    page = chinese.get("/requisitions")  # the default reader's language: the link is there
    assert b'<html lang="zh' in page.data and b'class="nav-joint"' in page.data
