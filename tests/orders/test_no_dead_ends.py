"""The buying pages leave no dead ends: who decided and why, order detail with a timeline,
a confirmed cancel, stock-checked cart, "back to cart" (Flask client, real PostgreSQL)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from mall.accounts.models import User
from mall.orders.models import Cart, PurchaseOrder
from mall.orders.services import approvals, purchase_orders
from mall.orders.services.requisitions import cancel_requisition
from tests.factories.accounts import PASSWORD, approval_limits
from tests.orders.conftest import World


class _Forgetful(FlaskClient):
    """A browser of its own: the one app context must not keep the last signed-in user."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _as(app: Flask, user: User) -> FlaskClient:
    client = _Forgetful(app, app.response_class, use_cookies=True)
    response = client.post("/login?lang=en", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)
    return client


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_progress_who_approved_confirmation_and_button_gone(world: World) -> None:
    approval_limits(world.purchaser, "5000", "8000", 2)
    rid = world.requisition((world.offers[0], 9000)).id
    world.session.flush()
    first = _as(world.app, world.approvers[0])
    assert 'data-action="approve"' in _page(first, f"/requisitions/{rid}")
    done = first.post(f"/requisitions/{rid}/approve", follow_redirects=True)
    text = done.get_data(as_text=True)
    assert f"You approved requisition #{rid}: 1 of 2 approvals." in text
    assert "1 of 2 approved" in text
    assert f"Approved by {world.approvers[0].name}" in text
    assert 'data-action="approve"' not in text  # gone for the one who approved
    assert "You have approved this requisition" in text
    # the requester sees the progress; once ordered the banner says so, not "needs approval"
    requester = _as(world.app, world.buyer)
    assert "1 of 2 approved" in _page(requester, f"/requisitions/{rid}")
    second = _as(world.app, world.approvers[1])
    final = second.post(f"/requisitions/{rid}/approve", follow_redirects=True)
    assert "its orders are placed" in final.get_data(as_text=True)
    page = _page(requester, f"/requisitions/{rid}")
    banner = page.split('class="decision')[1].split("</p>")[0]
    assert "Ordered" in banner and "<strong>Needs approval" not in banner
    assert "2 of 2 approved" in page


def test_requester_sees_who_rejected_and_why_and_gets_back_to_cart(world: World) -> None:
    approval_limits(world.purchaser, "5000", "8000", 2)
    rid = world.requisition((world.offers[0], 6000)).id
    approvals.reject(world.session, world.approvers[0], rid, "Not in this year's budget")
    world.session.flush()
    requester = _as(world.app, world.buyer)
    page = _page(requester, f"/requisitions/{rid}")
    assert f"Rejected by {world.approvers[0].name}" in page
    assert "Not in this year&#39;s budget" in page or "Not in this year's budget" in page
    assert "Back to cart" in page
    back = requester.post(f"/requisitions/{rid}/to-cart", follow_redirects=True)
    assert "are back in the cart" in back.get_data(as_text=True)
    cart = world.session.scalar(select(Cart).where(Cart.user_id == world.buyer.id))
    assert cart is not None
    assert [(li.offer_id, li.quantity) for li in cart.lines] == [(world.offers[0].id, 6000)]
    # an approver who did not request it gets no such button, and the post is refused
    approver = _as(world.app, world.approvers[1])
    assert "Back to cart" not in _page(approver, f"/requisitions/{rid}")


def test_blocked_requisition_back_to_cart_caps_at_stock(world: World) -> None:
    world.offers[0].stock = 5
    world.session.flush()
    requisition = world.requisition((world.offers[0], 8))
    assert requisition.status == "blocked"
    world.session.flush()
    requester = _as(world.app, world.buyer)
    page = _page(requester, f"/requisitions/{requisition.id}")
    assert "Nothing was ordered" in page and "Back to cart" in page
    back = requester.post(f"/requisitions/{requisition.id}/to-cart", follow_redirects=True)
    text = back.get_data(as_text=True)
    assert "reduced to the stock" in text and world.offers[0].sku in text
    cart = world.session.scalar(select(Cart).where(Cart.user_id == world.buyer.id))
    assert cart is not None and [li.quantity for li in cart.lines] == [5]


def test_cancelled_requisition_says_by_whom_and_why(world: World) -> None:
    approval_limits(world.purchaser, "5000", "8000", 2)
    rid = world.requisition((world.offers[0], 6000)).id
    cancel_requisition(world.session, world.buyer, rid, "Bought elsewhere")
    world.session.flush()
    page = _page(_as(world.app, world.buyer), f"/requisitions/{rid}")
    assert f"Cancelled by {world.buyer.name}" in page and "Bought elsewhere" in page


def _order(world: World) -> PurchaseOrder:
    requisition = world.requisition((world.offers[0], 3))
    assert requisition.status == "ordered"
    world.session.flush()
    return requisition.orders[0]


def test_order_detail_for_both_parties_with_timeline(world: World) -> None:
    order = _order(world)
    supplier_user = world.supplier_user(0)
    purchase_orders.transition(world.session, supplier_user, order.id, "confirm", "supplier")
    purchase_orders.transition(world.session, supplier_user, order.id, "ship", "supplier")
    world.session.flush()
    buyer = _as(world.app, world.buyer)
    listing = _page(buyer, "/orders")
    assert f'href="/orders/{order.id}"' in listing and world.suppliers[0].name in listing
    page = _page(buyer, f"/orders/{order.id}")
    assert world.suppliers[0].name in page and world.offers[0].sku in page
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    assert [a in timeline for a in ("order.place", "order.confirm", "order.ship")] == [True] * 3
    assert supplier_user.name in timeline
    supplier = _as(world.app, supplier_user)
    assert f'href="/supplier/orders/{order.id}"' in _page(supplier, "/supplier/orders")
    seen = _page(supplier, f"/supplier/orders/{order.id}")
    assert world.purchaser.name in seen and 'data-region="CN-BJ"' in seen
    assert 'data-action="deliver"' in seen
    # another organization's order is not found, for either side
    other = _as(world.app, world.supplier_user(1))
    assert other.get(f"/supplier/orders/{order.id}").status_code == 404


def test_rejected_order_shows_the_reason_to_the_buyer(world: World) -> None:
    order = _order(world)
    purchase_orders.transition(world.session, world.supplier_user(0), order.id, "reject",
                               "supplier", "Discontinued model")
    world.session.flush()
    buyer = _as(world.app, world.buyer)
    assert "Discontinued model" in _page(buyer, "/orders")
    page = _page(buyer, f"/orders/{order.id}")
    assert "Discontinued model" in page and "Declined by the supplier" in page


def test_cancel_needs_the_confirmation(world: World) -> None:
    order = _order(world)
    buyer = _as(world.app, world.buyer)
    assert f'href="/orders/{order.id}/cancel"' in _page(buyer, f"/orders/{order.id}")
    unconfirmed = buyer.post(f"/orders/{order.id}/cancel", data={"reason": "x"})
    assert unconfirmed.status_code in (302, 303)
    assert unconfirmed.headers["Location"].endswith(f"/orders/{order.id}/cancel")
    world.session.refresh(order)
    assert order.status == "placed"
    assert 'name="confirm"' in _page(buyer, f"/orders/{order.id}/cancel")
    done = buyer.post(f"/orders/{order.id}/cancel",
                      data={"reason": "Ordered twice", "confirm": "1"}, follow_redirects=True)
    world.session.refresh(order)
    assert order.status == "cancelled"
    assert "Ordered twice" in done.get_data(as_text=True)


def test_cart_refuses_out_of_stock_and_more_than_the_stock(world: World) -> None:
    world.offers[0].stock = 4
    world.offers[1].stock = 0
    world.session.flush()
    buyer = _as(world.app, world.buyer)
    empty = buyer.post("/cart/add", data={"offer_id": world.offers[1].id, "quantity": 1},
                       follow_redirects=True)
    assert "out of stock" in empty.get_data(as_text=True)
    too_many = buyer.post("/cart/add", data={"offer_id": world.offers[0].id, "quantity": 5},
                          follow_redirects=True)
    assert "Only 4 in stock: the cart cannot hold 5." in too_many.get_data(as_text=True)
    assert buyer.post("/cart/add", data={"offer_id": world.offers[0].id, "quantity": 4}
                      ).status_code in (302, 303)
    raised = buyer.post(f"/cart/lines/{world.offers[0].id}", data={"quantity": 9},
                        follow_redirects=True)
    assert "Only 4 in stock: the cart cannot hold 9." in raised.get_data(as_text=True)
    cart = world.session.scalar(select(Cart).where(Cart.user_id == world.buyer.id))
    assert cart is not None
    assert [(li.offer_id, li.quantity) for li in cart.lines] == [(world.offers[0].id, 4)]
    # stock that fell after adding is pointed out on the cart page
    world.offers[0].stock = 2
    world.session.flush()
    assert "Only 2 in stock now" in _page(buyer, "/cart")


def test_an_action_returns_to_the_page_it_was_taken_on(world: World) -> None:
    order = _order(world)
    supplier = _as(world.app, world.supplier_user(0))
    detail = f"http://localhost/supplier/orders/{order.id}"
    from_detail = supplier.post(f"/supplier/orders/{order.id}/confirm",
                                headers={"Referer": detail})
    assert from_detail.headers["Location"].endswith(f"/supplier/orders/{order.id}")
    from_list = supplier.post(f"/supplier/orders/{order.id}/ship",
                              headers={"Referer": "http://localhost/supplier/orders"})
    assert from_list.headers["Location"].endswith("/supplier/orders")
    world.session.refresh(order)
    assert order.status == "shipped"


def test_shipping_with_a_tracking_number_shows_it_to_both(world: World) -> None:
    order = _order(world)
    supplier_user = world.supplier_user(0)
    purchase_orders.transition(world.session, supplier_user, order.id, "confirm", "supplier")
    world.session.flush()
    supplier = _as(world.app, supplier_user)
    assert 'name="tracking_number"' in _page(supplier, f"/supplier/orders/{order.id}")
    supplier.post(f"/supplier/orders/{order.id}/ship", data={"tracking_number": "SF123456789"})
    world.session.refresh(order)
    assert order.status == "shipped" and order.tracking_number == "SF123456789"
    page = _page(_as(world.app, world.buyer), f"/orders/{order.id}")
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    assert "SF123456789" in timeline and 'class="tracking-number"' in page
