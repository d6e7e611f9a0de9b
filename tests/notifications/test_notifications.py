"""The inbox: each main flow tells the right people and nobody else; one reads only one's
own notifications; marking read; the page in both languages."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from mall.accounts.models import User
from mall.db import utcnow
from mall.notifications.models import Notification
from mall.orders.models import Competition, PurchaseOrder
from mall.orders.services import approvals
from mall.orders.services.competitions import cancel_competition
from tests.factories.accounts import PASSWORD, approval_limits, center_admin
from tests.orders.conftest import World, build_world


def _inbox(world: World) -> dict[int, list[tuple[str, dict]]]:
    """recipient id → [(kind, params)] of everything notified so far."""
    world.session.flush()
    found: dict[int, list[tuple[str, dict]]] = {}
    for n in world.session.scalars(select(Notification).order_by(Notification.id)):
        found.setdefault(n.recipient_id, []).append((n.kind, n.params))
    return found


def _kinds(world: World) -> dict[int, list[str]]:
    return {user: [kind for kind, _ in rows] for user, rows in _inbox(world).items()}


def _pending(world: World) -> int:
    approval_limits(world.purchaser, "5000", "8000", 2)
    requisition = world.requisition((world.offers[0], 6000))
    assert requisition.route == "approval"
    return requisition.id


def _log_in(client: FlaskClient, user: User) -> None:
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302


def test_approvers_are_told_a_requisition_needs_approval(world: World) -> None:
    other = build_world(world.session, world.app)  # another purchaser's approvers: not told
    supplier = world.supplier_user(0)
    rid = _pending(world)
    kinds = _kinds(world)
    assert kinds == {a.id: ["requisition.needs_approval"] for a in world.approvers}
    assert not {world.buyer.id, supplier.id, *(a.id for a in other.approvers)} & kinds.keys()
    params = _inbox(world)[world.approvers[0].id][0][1]
    assert params["requisition_id"] == rid and params["requester"] == world.buyer.name


def test_the_requester_is_told_who_rejected_and_why(client: FlaskClient, world: World) -> None:
    rid = _pending(world)
    world.session.execute(Notification.__table__.delete())
    response = client.post(f"/api/v1/requisitions/{rid}/reject", json={"reason": "No budget"},
                           headers=world.headers(world.approvers[1]))
    assert response.status_code == 200
    assert _kinds(world) == {world.buyer.id: ["requisition.rejected"]}
    listed = client.get("/api/v1/notifications?lang=en", headers=world.headers(world.buyer))
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assert item["message"] == (f"Requisition #{rid} was rejected by "
                               f"{world.approvers[1].name}: No budget")
    assert item["link"] == f"/requisitions/{rid}" and item["read_at"] is None


def test_approval_places_orders_and_tells_the_supplier_and_requester(world: World) -> None:
    supplier, other_supplier = world.supplier_user(0), world.supplier_user(1)
    approval_limits(world.purchaser, "5000", None, None)
    rid = world.requisition((world.offers[0], 6000)).id
    world.session.execute(Notification.__table__.delete())
    approvals.approve(world.session, world.approvers[0], rid)
    kinds = _kinds(world)
    assert kinds == {world.buyer.id: ["requisition.approved"], supplier.id: ["order.placed"]}
    assert other_supplier.id not in kinds
    order = world.session.scalar(select(PurchaseOrder).where(PurchaseOrder.requisition_id == rid))
    assert _inbox(world)[supplier.id][0][1]["order_id"] == order.id


def test_direct_orders_move_along_and_each_side_is_told(client: FlaskClient,
                                                       world: World) -> None:
    supplier = world.supplier_user(0)
    requisition = world.requisition((world.offers[0], 10))
    assert requisition.route == "direct"
    assert _kinds(world) == {supplier.id: ["order.placed"]}  # the buyer placed it: not told
    order = world.session.scalar(select(PurchaseOrder).where(
        PurchaseOrder.requisition_id == requisition.id))
    for action in ("confirm", "ship"):
        assert client.post(f"/api/v1/supplier/orders/{order.id}/{action}",
                           headers=world.headers(supplier)).status_code == 200
    assert _kinds(world)[world.buyer.id] == ["order.confirmed", "order.shipped"]
    assert _kinds(world)[supplier.id] == ["order.placed"]


def test_competitions_tell_invited_and_quoting_suppliers(client: FlaskClient,
                                                         world: World) -> None:
    admin = center_admin(world.session)
    users = [world.supplier_user(i) for i in range(3)]
    requisition = world.requisition((world.offers[0], 300_000))
    assert requisition.route == "competition"
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    assert _kinds(world) == {u.id: ["competition.invited"] for u in users}
    invited = client.get("/api/v1/notifications?lang=en", headers=world.headers(users[0]))
    message = invited.json["items"][0]["message"]
    assert message.startswith(f"You are invited to quote in competition #{competition.id} "
                              "until ") and message.endswith(")."), message  # a local time
    line_id = requisition.lines[0].id
    for user, price in ((users[0], "0.90"), (users[1], "0.90")):  # identical totals: a flag
        assert client.post(f"/api/v1/competitions/{competition.id}/quotes",
                           json={"lines": [{"line_id": line_id, "unit_price": price}]},
                           headers=world.headers(user)).status_code == 201
    competition.deadline = utcnow() - timedelta(minutes=1)
    world.session.flush()
    response = client.post(f"/api/v1/competitions/{competition.id}/award",
                           headers=world.headers(world.buyer))
    assert response.status_code == 200, response.json
    kinds = _kinds(world)
    winner = response.json["quotes"][0]["supplier_id"]
    won, lost = (users[0], users[1]) if winner == world.suppliers[0].id else (users[1], users[0])
    assert kinds[won.id] == ["competition.invited", "order.placed", "competition.won"]
    assert kinds[lost.id] == ["competition.invited", "competition.lost"]
    assert kinds[users[2].id] == ["competition.invited"]  # invited, did not quote
    assert kinds[admin.id] == ["flag.raised"]
    assert world.buyer.id not in kinds


def test_one_reads_and_marks_only_ones_own(client: FlaskClient, world: World) -> None:
    _pending(world)
    _pending(world)
    mine, theirs = world.approvers[0], world.approvers[1]
    headers = world.headers(mine)
    listed = client.get("/api/v1/notifications", headers=headers).json
    assert listed["total"] == 2 and [i["kind"] for i in listed["items"]] == [
        "requisition.needs_approval"] * 2
    newest, older = listed["items"]
    assert newest["id"] > older["id"]  # newest first
    other_id = _inbox_ids(world, theirs)[0]
    assert client.post(f"/api/v1/notifications/{other_id}/read",
                       headers=headers).status_code == 404
    assert client.post("/api/v1/notifications/999999999/read",
                       headers=headers).status_code == 404
    read = client.post(f"/api/v1/notifications/{older['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"] is not None
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json
    assert [i["id"] for i in unread["items"]] == [newest["id"]]
    ordered = client.get("/api/v1/notifications", headers=headers).json["items"]
    assert [i["id"] for i in ordered] == [newest["id"], older["id"]]  # unread first
    assert client.get("/api/v1/notifications?unread=maybe",
                      headers=headers).status_code == 400
    everything = client.post("/api/v1/notifications/read", headers=headers).json
    assert everything == {"marked": 1, "unread": 0}
    # the other approver's are untouched
    assert client.get("/api/v1/notifications?unread=true",
                      headers=world.headers(theirs)).json["total"] == 2
    assert client.get("/api/v1/notifications").status_code == 401


def _inbox_ids(world: World, user: User) -> list[int]:
    world.session.flush()
    return list(world.session.scalars(select(Notification.id).where(
        Notification.recipient_id == user.id).order_by(Notification.id)))


def test_inbox_page_in_both_languages_with_badge_and_marking(client: FlaskClient,
                                                            world: World) -> None:
    rid = _pending(world)
    approver = world.approvers[0]
    assert client.get("/inbox").status_code == 302  # anonymous: to the login page
    assert "/login" in client.get("/inbox").headers["Location"]
    _log_in(client, approver)
    zh = client.get("/inbox?lang=zh").get_data(as_text=True)
    assert f"{world.buyer.name} 提交的采购申请 #{rid} 待您审批" in zh
    assert '<span class="badge"' in zh and "<strong>" in zh
    en = client.get("/inbox?lang=en").get_data(as_text=True)
    assert f"Requisition #{rid} by {world.buyer.name} needs your approval" in en
    assert "Mark all read" in en
    [nid] = _inbox_ids(world, approver)
    response = client.post(f"/inbox/{nid}/read", data={"go": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/requisitions/{rid}")
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    assert '<span class="badge"' not in page and "0 unread" in page


def test_a_cancelled_competition_tells_the_invited_suppliers(world: World) -> None:
    users = [world.supplier_user(i) for i in range(3)]
    requisition = world.requisition((world.offers[0], 300_000))
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    world.session.execute(Notification.__table__.delete())
    cancel_competition(world.session, world.buyer, competition.id, "budget cut")
    assert _kinds(world) == {u.id: ["competition.cancelled"] for u in users}
    assert _inbox(world)[users[0].id][0][1]["reason"] == "budget cut"
