"""A joint award's orders are delivered to each participant's committed region; ordinary
orders carry the purchaser's own region."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.orders.models import PurchaseOrder, Requisition
from tests.joint.conftest import JointWorld
from tests.joint.test_pages import _as
from tests.joint.test_reports import _awarded
from tests.orders.conftest import build_world


def test_each_participants_order_goes_to_its_delivery_region(
        app: Flask, client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    # the first purchaser (in CN-BJ) has its share delivered elsewhere in the country
    cid = _awarded(client, jw, db_session, regions={0: "CN-SH"})
    requisitions = {r.purchaser_organization_id: r for r in db_session.scalars(
        select(Requisition).where(Requisition.joint_purchase_id == cid))}
    a, b = requisitions[jw.purchasers[0].id], requisitions[jw.purchasers[1].id]
    assert (a.delivery_region, b.delivery_region) == ("CN-SH", "CN-SH")
    [order] = a.orders
    shown = client.get(f"/api/v1/orders/{order.id}", headers=jw.headers(jw.buyers[0]))
    assert shown.status_code == 200 and shown.get_json()["delivery_region"] == "CN-SH"
    # an order placed later, at the approval, keeps the committed region too
    approver = jw.approvers[jw.purchasers[1].id][0]
    assert client.post(f"/api/v1/requisitions/{b.id}/approve",
                       headers=jw.headers(approver)).get_json()["status"] == "ordered"
    assert db_session.scalar(select(PurchaseOrder.delivery_region).where(
        PurchaseOrder.requisition_id == b.id)) == "CN-SH"
    # the winner's orders page says where each goes
    page = _as(app, jw.supplier_users[1]).get("/supplier/orders")
    assert page.data.count(b'data-region="CN-SH">Deliver to Shanghai</small>') == 2
    world = build_world(db_session, app)
    ordinary = world.requisition((world.offers[0], 3))
    assert ordinary.delivery_region is None
    assert [o.delivery_region for o in ordinary.orders] == [world.purchaser.region]
