"""Each role lands on its to-do list (``/home``, ``GET /api/v1/me/tasks``): its own items,
never another role's or another organization's (Flask client, real PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from mall.accounts.models import User
from mall.catalog.models import FeedImport, PriceChange
from mall.orders.models import Competition, Flag
from mall.orders.services import approvals, competitions, purchase_orders
from tests.factories.accounts import PASSWORD, approval_limits, make_org, make_user
from tests.orders.conftest import World, build_world


class _Browser(FlaskClient):
    """A browser of its own: the one app context must not keep the last signed-in user."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def _browser(app: Flask) -> FlaskClient:
    return _Browser(app, app.response_class, use_cookies=True)


def _login(app: Flask, user: User, **form: str) -> tuple[FlaskClient, Any]:
    client = _browser(app)
    response = client.post("/login?lang=en", data={"email": user.email,
                                                   "password": PASSWORD, **form})
    return client, response


def _page(app: Flask, user: User) -> str:
    client, response = _login(app, user)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    page = client.get("/home")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _tasks(world: World, user: User, **query: Any) -> dict[str, Any]:
    response = world.app.test_client().get("/api/v1/me/tasks", query_string=query,
                                           headers=world.headers(user, **{
                                               "Accept-Language": "en"}))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _sections(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in body["sections"]}


def _ids(section: dict[str, Any]) -> list[int]:
    return [item["id"] for item in section["items"]]


def _approval_world(world: World) -> tuple[int, int, int]:
    """r1 waits for one approver, r2 for two (approver 0 has approved it), r3 is approver
    1's own."""
    approval_limits(world.purchaser, "5000", "8000", 2)
    r1 = world.requisition((world.offers[0], 6000)).id
    r2 = world.requisition((world.offers[0], 9000)).id
    approvals.approve(world.session, world.approvers[0], r2)
    r3 = world.requisition((world.offers[0], 6000), user=world.approvers[1]).id
    world.session.flush()
    return r1, r2, r3


def test_approver_sees_what_awaits_their_decision_and_nothing_else(world: World) -> None:
    r1, r2, r3 = _approval_world(world)
    # another agency's requisition awaiting approval never appears
    other = build_world(world.session, world.app)
    approval_limits(other.purchaser, "5000", "8000", 2)
    foreign = other.requisition((other.offers[0], 6000)).id
    world.session.flush()

    first = _sections(_tasks(world, world.approvers[0]))
    assert list(first) == ["approvals"]  # an approver only: no buyer's or supplier's queue
    assert _ids(first["approvals"]) == [r1, r3]  # not r2: already decided by them
    assert first["approvals"]["count"] == 2
    item = first["approvals"]["items"][0]
    assert item["url"] == f"/requisitions/{r1}" and item["kind"] == "requisition"
    assert item["status"] == "approval" and item["amount"]["amount"] == "6000.00"
    assert f"Requisition #{r1}" in item["title"]
    second = _sections(_tasks(world, world.approvers[1]))
    assert _ids(second["approvals"]) == [r1, r2]  # not r3: their own
    assert foreign not in _ids(second["approvals"])

    page = _page(world.app, world.approvers[0])
    section = page.split('data-section="approvals"')[1].split("</section>")[0]
    assert f'href="/requisitions/{r1}"' in section and f'href="/requisitions/{r3}"' in section
    assert f'href="/requisitions/{r2}"' not in section
    assert f'href="/requisitions/{foreign}"' not in page
    assert 'data-section="approvals" data-count="2"' in page


def test_buyer_sees_open_requisitions_and_deliveries_to_accept(world: World) -> None:
    r1, r2, _r3 = _approval_world(world)
    ordered = world.requisition((world.offers[1], 3))
    assert ordered.status == "ordered"
    order = ordered.orders[0]
    supplier = world.supplier_user(1)
    for action in ("confirm", "ship", "deliver"):
        purchase_orders.transition(world.session, supplier, order.id, action, "supplier")
    still_shipping = world.requisition((world.offers[1], 4)).orders[0]
    colleague = make_user(world.session, world.purchaser, roles=("buyer",))
    world.requisition((world.offers[0], 6000), user=colleague)
    other = build_world(world.session, world.app)
    foreign = other.requisition((other.offers[0], 3)).orders[0]
    other_supplier = other.supplier_user(0)
    for action in ("confirm", "ship", "deliver"):
        purchase_orders.transition(world.session, other_supplier, foreign.id, action,
                                   "supplier")
    world.session.flush()

    mine = _sections(_tasks(world, world.buyer))
    assert list(mine) == ["my_requisitions", "deliveries"]
    assert _ids(mine["my_requisitions"]) == [r1, r2]  # not the colleague's, not ordered ones
    assert _ids(mine["deliveries"]) == [order.id]  # not the one still on its way
    assert mine["deliveries"]["items"][0]["url"] == f"/orders/{order.id}"
    assert still_shipping.id not in _ids(mine["deliveries"])
    assert foreign.id not in _ids(mine["deliveries"])
    assert _tasks(world, world.buyer)["total"] == 3

    page = _page(world.app, world.buyer)
    assert f'href="/orders/{order.id}"' in page and f'href="/requisitions/{r1}"' in page
    assert "Deliveries to accept" in page and "Your open requisitions" in page
    assert "Requisitions awaiting your decision" not in page  # not an approver


def test_a_user_with_several_roles_sees_each_section(world: World) -> None:
    _approval_world(world)
    both = make_user(world.session, world.purchaser, roles=("buyer", "approver", "auditor"))
    world.session.flush()
    sections = _sections(_tasks(world, both))
    assert list(sections) == ["approvals", "my_requisitions", "deliveries", "audit"]
    assert sections["approvals"]["count"] == 3


def test_empty_sections_say_so_with_a_zero_count(world: World) -> None:
    lonely = make_user(world.session, world.purchaser, roles=("approver",))
    world.session.flush()
    page = _page(world.app, lonely)
    assert "No requisition awaits your decision." in page
    assert 'data-section="approvals" data-count="0"' in page
    finance = make_user(world.session, world.purchaser, roles=("finance",))
    world.session.flush()
    assert _tasks(world, finance) == {"total": 0, "sections": []}
    assert "Your roles have no to-do list here." in _page(world.app, finance)


def test_supplier_sees_orders_invitations_refused_feeds_and_prices(world: World) -> None:
    s0, s1 = world.supplier_user(0), world.supplier_user(1)
    placed = world.requisition((world.offers[0], 3)).orders[0]
    confirmed = world.requisition((world.offers[0], 4)).orders[0]
    shipped = world.requisition((world.offers[0], 5)).orders[0]
    purchase_orders.transition(world.session, s0, confirmed.id, "confirm", "supplier")
    for action in ("confirm", "ship"):
        purchase_orders.transition(world.session, s0, shipped.id, action, "supplier")
    theirs = world.requisition((world.offers[1], 3)).orders[0]
    # a competition among the three suppliers; supplier 1 has quoted already
    requisition = world.requisition((world.offers[0], 300_000))
    assert requisition.route == "competition"
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    assert competition is not None
    competitions.submit_quote(world.session, s1, competition.id, [
        {"line_id": requisition.lines[0].id, "unit_price": "0.95"}])
    # feeds: an old clean one, then one with refused rows; supplier 1 has one too
    feeds = [FeedImport(supplier_id=sid, format="csv", encoding="utf-8", status="completed",
                        rows_total=5, rows_ok=5 - bad, rows_rejected=bad)
             for sid, bad in ((world.suppliers[0].id, 0), (world.suppliers[0].id, 2),
                              (world.suppliers[1].id, 1))]
    world.session.add_all(feeds)
    # a refused price rise on supplier 0's offer, an applied one on supplier 1's
    world.session.add_all([
        PriceChange(offer_id=world.offers[0].id, old_price=Decimal("1.00"),
                    new_price=Decimal("1.50"), source="api", status="refused"),
        PriceChange(offer_id=world.offers[1].id, old_price=Decimal("1.00"),
                    new_price=Decimal("1.10"), source="api", status="refused"),
        PriceChange(offer_id=world.offers[1].id, old_price=Decimal("1.00"),
                    new_price=Decimal("1.05"), source="api", status="applied")])
    world.session.flush()

    mine = _sections(_tasks(world, s0))
    assert list(mine) == ["supplier_orders", "invitations", "feeds", "refused_prices"]
    assert _ids(mine["supplier_orders"]) == [placed.id, confirmed.id]
    assert [i["ref"] for i in mine["supplier_orders"]["items"]] == ["confirm", "ship"]
    assert mine["supplier_orders"]["items"][0]["url"] == f"/supplier/orders/{placed.id}"
    assert shipped.id not in _ids(mine["supplier_orders"])
    assert theirs.id not in _ids(mine["supplier_orders"])
    assert _ids(mine["invitations"]) == [competition.id]
    assert mine["invitations"]["items"][0]["url"] == \
        f"/supplier/competitions/{competition.id}"
    assert _ids(mine["feeds"]) == [feeds[1].id]
    assert mine["feeds"]["items"][0]["count"] == 2
    assert [i["ref"] for i in mine["refused_prices"]["items"]] == [world.offers[0].sku]
    offer_link = mine["refused_prices"]["items"][0]["url"]

    theirs_view = _sections(_tasks(world, s1))
    assert _ids(theirs_view["invitations"]) == []  # quoted already
    assert _ids(theirs_view["supplier_orders"]) == [theirs.id]
    assert _ids(theirs_view["feeds"]) == [feeds[2].id]
    assert theirs_view["refused_prices"]["count"] == 0  # a later change ended the refusal

    # a clean import after the refused one takes it off the list
    world.session.add(FeedImport(supplier_id=world.suppliers[0].id, format="csv",
                                 encoding="utf-8", status="completed", rows_total=5,
                                 rows_ok=5, rows_rejected=0))
    world.session.flush()
    assert _sections(_tasks(world, s0))["feeds"]["count"] == 0

    client, _response = _login(world.app, s0)
    page = client.get("/home").get_data(as_text=True)
    assert f'href="/supplier/orders/{placed.id}"' in page
    assert f'href="/supplier/competitions/{competition.id}"' in page
    # the refused price's link shows that one offer
    offers = client.get(offer_link).get_data(as_text=True)
    assert f'data-sku="{world.offers[0].sku}"' in offers and offers.count("data-sku=") == 1


def test_center_admin_sees_price_reviews_and_open_flags_auditors_read_only(
        world: World) -> None:
    center = make_org(world.session, kind="center", region="*")
    admin = make_user(world.session, center, roles=("center_admin",))
    auditor = make_user(world.session, center, roles=("auditor",))
    review = PriceChange(offer_id=world.offers[0].id, old_price=Decimal("1.00"),
                         new_price=Decimal("1.40"), source="api", status="pending_review")
    open_flag = Flag(kind="shared_contact", supplier_ids=[world.suppliers[0].id], details={})
    closed = Flag(kind="identical_totals", supplier_ids=[], details={}, status="dismissed")
    world.session.add_all([review, open_flag, closed])
    world.session.flush()

    sections = _sections(_tasks(world, admin))
    assert list(sections) == ["price_reviews", "flags"]
    assert _ids(sections["price_reviews"]) == [review.id]
    assert sections["price_reviews"]["items"][0]["url"] == f"/center/price-reviews/{review.id}"
    assert _ids(sections["flags"]) == [open_flag.id]
    assert sections["flags"]["items"][0]["url"] == f"/center/flags#flag-{open_flag.id}"

    read_only = _sections(_tasks(world, auditor))
    assert list(read_only) == ["audit"]
    links = {i["kind"]: i for i in read_only["audit"]["items"]}
    assert links["center_audit"]["url"] == "/center/audit"
    assert links["center_flags"]["count"] == 1
    page = _page(world.app, auditor)
    assert 'href="/center/audit"' in page and "Price rises to review" not in page

    # a purchaser's auditor reads their own organization's records only
    agency_auditor = make_user(world.session, world.purchaser, roles=("auditor",))
    world.requisition((world.offers[0], 3))
    other = build_world(world.session, world.app)
    other.requisition((other.offers[0], 3))
    world.session.flush()
    agency = {i["kind"]: i for i in _sections(_tasks(world, agency_auditor))["audit"]["items"]}
    assert agency["org_requisitions"]["count"] == 1 and agency["org_orders"]["count"] == 1
    assert agency["org_requisitions"]["url"] == "/requisitions"


def test_items_per_section_is_bounded_and_checked(world: World) -> None:
    _approval_world(world)
    body = _sections(_tasks(world, world.approvers[2], per_section=1))
    assert body["approvals"]["count"] == 3 and len(body["approvals"]["items"]) == 1
    client = world.app.test_client()
    bad = client.get("/api/v1/me/tasks?per_section=0", headers=world.headers(world.buyer))
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "validation_failed"
    assert client.get("/api/v1/me/tasks").status_code == 401


def test_login_lands_on_the_role_home_unless_a_safe_next_is_asked(world: World) -> None:
    _client, plain = _login(world.app, world.buyer)
    assert plain.headers["Location"] == "/home"
    _client, asked = _login(world.app, world.buyer, next="/orders?status=delivered")
    assert asked.headers["Location"] == "/orders?status=delivered"
    for unsafe in ("https://evil.example/", "//evil.example/", "/\\evil.example", "orders"):
        _client, refused = _login(world.app, world.buyer, next=unsafe)
        assert refused.headers["Location"] == "/home", unsafe
    # the header links to the to-do list for signed-in users only
    client, _response = _login(world.app, world.buyer)
    assert 'class="nav-tasks" href="/home"' in client.get("/").get_data(as_text=True)
    assert "nav-tasks" not in _browser(world.app).get("/").get_data(as_text=True)
    anonymous = _browser(world.app).get("/home")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
