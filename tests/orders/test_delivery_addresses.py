"""Submitting the cart with a delivery address: the order keeps a copy and the supplier
sees it on its order page and in the JSON order; the address book pages (Flask client,
real PostgreSQL)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from mall.accounts.models import DeliveryAddress, User
from mall.orders.models import PurchaseOrder, Requisition
from tests.factories.accounts import PASSWORD, make_user
from tests.orders.conftest import World


class _Forgetful(FlaskClient):
    """A browser of its own: the one app context must not keep the last signed-in user."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _as(app: Flask, user: User) -> FlaskClient:
    client = _Forgetful(app, app.response_class, use_cookies=True)
    client.get("/login?lang=en")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return client


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _address(world: World, **fields: Any) -> DeliveryAddress:
    values = {"label": "Head office", "recipient_name": "王伟", "phone": "010 6500 0000",
              "line1": "东城区某路 1 号", "city": "北京", "region": "CN-BJ", **fields}
    address = DeliveryAddress(organization_id=world.purchaser.id, **values)
    world.session.add(address)
    world.session.flush()
    return address


def test_the_cart_submits_the_chosen_address_and_the_supplier_sees_it(world: World) -> None:
    _address(world, is_default=True)
    stores = _address(world, label="Stores", recipient_name="李娜", phone="021 5555 0101",
                      line1="浦东新区仓库路 8 号", line2="2 号门", city="上海",
                      postal_code="200120", region="CN-SH")
    buyer = _as(world.app, world.buyer)
    assert buyer.post("/cart/add", data={"offer_id": world.offers[0].id,
                                         "quantity": 3}).status_code == 302
    cart = _page(buyer, "/cart")
    select_box = cart.split('name="delivery_address_id"')[1].split("</select>")[0]
    assert "Head office" in select_box and "Stores" in select_box
    selected = select_box.split(" selected")[0].rsplit('value="', 1)[1]
    assert selected.startswith(str(world.session.scalar(select(DeliveryAddress.id).where(
        DeliveryAddress.organization_id == world.purchaser.id, DeliveryAddress.is_default))))

    done = buyer.post("/cart/submit", data={"submit_key": "k-addr-1",
                                            "delivery_address_id": str(stores.id)})
    assert done.status_code == 302 and "/requisitions/" in done.location
    requisition = world.session.scalars(select(Requisition).where(
        Requisition.requester_id == world.buyer.id)).one()
    [order] = requisition.orders
    assert order.delivery_address == stores.snapshot()
    assert (order.delivery_region, requisition.delivery_region) == ("CN-SH", "CN-SH")

    # Edited afterwards: the order keeps the address as it was submitted.
    stores.line1 = "改了的地址"
    world.session.flush()
    supplier_user = world.supplier_user(0)
    supplier = _as(world.app, supplier_user)
    page = _page(supplier, f"/supplier/orders/{order.id}")
    shown = page.split('class="delivery-address"')[1].split("</dd>")[0]
    for text in ("李娜", "021 5555 0101", "浦东新区仓库路 8 号", "2 号门", "上海", "200120"):
        assert text in shown, text
    assert "改了的地址" not in shown
    as_json = world.app.test_client().get(
        f"/api/v1/supplier/orders/{order.id}", headers=world.headers(supplier_user))
    assert as_json.status_code == 200
    assert as_json.get_json()["delivery_address"]["line1"] == "浦东新区仓库路 8 号"
    assert as_json.get_json()["delivery_address"]["recipient_name"] == "李娜"
    # and the purchaser's own order page shows it too
    assert "浦东新区仓库路 8 号" in _page(buyer, f"/orders/{order.id}")


def test_a_cart_without_an_address_book_says_where_orders_go(world: World) -> None:
    buyer = _as(world.app, world.buyer)
    buyer.post("/cart/add", data={"offer_id": world.offers[0].id, "quantity": 1})
    cart = _page(buyer, "/cart")
    assert 'name="delivery_address_id"' not in cart and 'class="hint no-address"' in cart
    assert buyer.post("/cart/submit", data={"submit_key": "k-addr-2"}).status_code == 302
    order = world.session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.purchaser_organization_id == world.purchaser.id)).one()
    assert order.delivery_address is None and order.delivery_region == "CN-BJ"


def test_a_bad_address_choice_is_refused_and_the_cart_kept(world: World) -> None:
    archived = _address(world)
    archived.archived_at = archived.created_at
    world.session.flush()
    buyer = _as(world.app, world.buyer)
    buyer.post("/cart/add", data={"offer_id": world.offers[0].id, "quantity": 1})
    for choice in (str(archived.id), "not-a-number"):
        answer = buyer.post("/cart/submit", data={"submit_key": f"k-{choice}",
                                                  "delivery_address_id": choice},
                            follow_redirects=True)
        text = answer.get_data(as_text=True)
        assert 'class="flash error' in text and world.offers[0].sku in text
    assert world.session.scalars(select(Requisition).where(
        Requisition.requester_id == world.buyer.id)).all() == []


def test_the_address_book_pages(world: World) -> None:
    buyer = _as(world.app, world.buyer)
    assert "No delivery addresses yet" in _page(buyer, "/addresses")
    form = {"label": "Head office", "recipient_name": "王伟", "phone": "010 6500 0000",
            "line1": "东城区某路 1 号", "line2": "", "city": "北京", "postal_code": "",
            "region": "CN-BJ"}
    added = buyer.post("/addresses", data=form, follow_redirects=True)
    assert "Delivery address added." in added.get_data(as_text=True)
    buyer.post("/addresses", data={**form, "label": "Stores", "region": "CN-SH"})
    head, stores = world.session.scalars(select(DeliveryAddress).where(
        DeliveryAddress.organization_id == world.purchaser.id)
        .order_by(DeliveryAddress.id)).all()
    assert (head.is_default, stores.is_default, head.line2) == (True, False, None)

    bad = buyer.post(f"/addresses/{stores.id}", data={**form, "region": "Shanghai"},
                     follow_redirects=True)
    assert "Region" in bad.get_data(as_text=True) and "ISO 3166-2" in bad.get_data(as_text=True)
    edited = buyer.post(f"/addresses/{stores.id}", data={**form, "label": "Warehouse",
                                                         "region": "CN-SH"},
                        follow_redirects=True)
    assert "Delivery address saved." in edited.get_data(as_text=True)
    buyer.post(f"/addresses/{stores.id}/default")
    world.session.expire_all()
    assert (stores.label, stores.is_default, head.is_default) == ("Warehouse", True, False)

    confirm = _page(buyer, f"/addresses/{stores.id}/archive")
    assert 'class="stack confirm-archive"' in confirm and 'name="confirm"' in confirm
    unconfirmed = buyer.post(f"/addresses/{stores.id}/archive", follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    world.session.expire_all()
    assert stores.archived_at is None
    buyer.post(f"/addresses/{stores.id}/archive", data={"confirm": "1"})
    world.session.expire_all()
    assert stores.archived_at is not None and not stores.is_default
    listing = _page(buyer, "/addresses")
    assert 'class="archived-addresses"' in listing and "Warehouse" in listing

    # An auditor reads the book but gets no forms; another organization's address is not found.
    auditor = _as(world.app, make_user(world.session, world.purchaser, roles=("auditor",)))
    read = _page(auditor, "/addresses")
    assert "Head office" in read and 'class="stack add-address"' not in read
    assert auditor.post("/addresses", data=form).status_code == 403
    stranger = _as(world.app, make_user(world.session, world.suppliers[0],
                                        roles=("supplier_admin",)))
    assert stranger.get("/addresses").status_code == 403
