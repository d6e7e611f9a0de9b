"""The purchaser's delivery address book through the API: CRUD, who may read and write,
bad input that changes nothing, and archiving that leaves orders' copies as they were
(real PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import DeliveryAddress, User
from mall.audit.models import AuditEvent
from mall.orders.models import PurchaseOrder, Requisition
from tests.factories.accounts import auth_headers, make_org, make_user
from tests.orders.conftest import World, build_world

HEAD_OFFICE = {"label": "Head office", "recipient_name": "王伟", "phone": "+86 10 6500 0000",
               "line1": "东城区某路 1 号", "line2": "3 楼", "city": "北京",
               "postal_code": "100010", "region": "CN-BJ"}
STORES = {"label": "Stores", "recipient_name": "李娜", "phone": "021 5555 0101",
          "line1": "浦东新区仓库路 8 号", "city": "上海", "region": "CN-SH"}


@pytest.fixture
def world(db_session: Session, app: Flask) -> World:
    return build_world(db_session, app)


def _add(client: FlaskClient, world: World, body: dict[str, Any],
         user: User | None = None) -> dict[str, Any]:
    answer = client.post("/api/v1/addresses", json=body,
                         headers=world.headers(user or world.buyer))
    assert answer.status_code == 201, answer.get_json()
    created: dict[str, Any] = answer.get_json()
    return created


def _listed(client: FlaskClient, world: World, user: User | None = None,
            query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/addresses{query}", headers=world.headers(user or world.buyer))
    assert answer.status_code == 200, answer.get_json()
    items: list[dict[str, Any]] = answer.get_json()["items"]
    return items


def test_add_list_edit_default_and_archive(client: FlaskClient, world: World) -> None:
    first = _add(client, world, HEAD_OFFICE)
    assert first["is_default"] is True  # the first address is the default
    assert {k: first[k] for k in HEAD_OFFICE} == HEAD_OFFICE
    assert first["organization_id"] == world.purchaser.id and first["archived_at"] is None
    second = _add(client, world, STORES)
    assert second["is_default"] is False and second["line2"] is None
    assert [a["id"] for a in _listed(client, world)] == [first["id"], second["id"]]

    changed = client.patch(f"/api/v1/addresses/{second['id']}", headers=world.headers(
        world.buyer), json={"label": "Warehouse", "is_default": True})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["label"] == "Warehouse" and changed.get_json()["is_default"]
    listed = _listed(client, world)
    assert [(a["id"], a["is_default"]) for a in listed] == [(second["id"], True),
                                                           (first["id"], False)]

    archived = client.delete(f"/api/v1/addresses/{second['id']}",
                             headers=world.headers(world.buyer))
    assert archived.status_code == 200 and archived.get_json()["archived_at"] is not None
    assert archived.get_json()["is_default"] is False
    assert [a["id"] for a in _listed(client, world)] == [first["id"]]
    assert [a["id"] for a in _listed(client, world, query="?archived=true")] == [second["id"]]
    # Archived, never deleted; archiving again changes nothing.
    again = client.delete(f"/api/v1/addresses/{second['id']}",
                          headers=world.headers(world.buyer))
    assert again.status_code == 200
    assert again.get_json()["archived_at"] == archived.get_json()["archived_at"]
    assert world.session.get(DeliveryAddress, second["id"]) is not None
    actions = world.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "delivery_address").order_by(AuditEvent.id)).all()
    assert actions == ["address.create", "address.create", "address.update",
                       "address.archive"]


def test_who_may_read_and_write(client: FlaskClient, world: World, app: Flask) -> None:
    session = world.session
    mine = _add(client, world, HEAD_OFFICE)
    path = f"/api/v1/addresses/{mine['id']}"
    auditor = make_user(session, world.purchaser, roles=("auditor",))
    finance = make_user(session, world.purchaser, roles=("finance",))
    # Readers of the organization read; only the roles that buy write.
    for reader in (auditor, finance):
        assert [a["id"] for a in _listed(client, world, reader)] == [mine["id"]]
        for method, url, body in (("POST", "/api/v1/addresses", STORES),
                                  ("PATCH", path, {"label": "X"}), ("DELETE", path, None)):
            answer = client.open(url, method=method, json=body, headers=world.headers(reader))
            assert answer.status_code == 403, (reader.roles, method)
            assert answer.get_json()["error"]["code"] == "role_required"
    approver = world.approvers[0]
    assert client.patch(path, json={"label": "Front desk"},
                        headers=world.headers(approver)).status_code == 200
    # Suppliers and the center have no address book here.
    for outsider in (world.supplier_user(0),
                     make_user(session, make_org(session, kind="center", region="*"),
                               roles=("center_admin",))):
        answer = client.get("/api/v1/addresses", headers=world.headers(outsider))
        assert answer.status_code == 403
        assert answer.get_json()["error"]["code"] == "wrong_organization_kind"
    assert client.get("/api/v1/addresses").status_code == 401
    # Another purchaser's buyer sees none of them, and the ids are "not found" to it.
    stranger = make_user(session, make_org(session, kind="purchaser", region="CN-BJ"),
                         roles=("buyer",))
    other = {"Authorization": auth_headers(app, session, stranger)["Authorization"]}
    assert client.get("/api/v1/addresses", headers=other).get_json()["items"] == []
    for method, body in (("PATCH", {"label": "Mine now"}), ("DELETE", None)):
        answer = client.open(path, method=method, json=body, headers=other)
        assert answer.status_code == 404
        assert answer.get_json()["error"]["code"] == "address_not_found"
    session.expire_all()
    unchanged = session.get_one(DeliveryAddress, mine["id"])
    assert (unchanged.label, unchanged.archived_at) == ("Front desk", None)


@pytest.mark.parametrize(("bad", "status", "code"), [
    ({"region": "Beijing"}, 400, "validation_failed"),
    ({"region": "CN"}, 400, "validation_failed"),
    ({"phone": "call me"}, 400, "validation_failed"),
    ({"recipient_name": None}, 400, "validation_failed"),
    ({"label": ""}, 400, "validation_failed"),
    ({"city": "x" * 101}, 400, "validation_failed"),
    ({"is_default": "perhaps"}, 400, "validation_failed"),
    ({"surprise": 1}, 400, "validation_failed"),
    ({"region": "US-VA"}, 422, "address_region_outside"),
])
def test_bad_input_changes_nothing(client: FlaskClient, world: World,
                                   bad: dict[str, Any], status: int, code: str) -> None:
    kept = _add(client, world, STORES)
    session = world.session

    def state() -> tuple[Any, ...]:
        session.expire_all()
        rows = session.scalars(select(DeliveryAddress).where(
            DeliveryAddress.organization_id == world.purchaser.id)).all()
        events = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.target_type == "delivery_address"))
        return tuple((a.id, a.label, a.phone, a.city, a.region, a.is_default)
                     for a in rows), events

    before = state()
    for method, url, body in (("POST", "/api/v1/addresses", {**HEAD_OFFICE, **bad}),
                              ("PATCH", f"/api/v1/addresses/{kept['id']}",
                               {"label": "Renamed", **bad})):
        answer = client.open(url, method=method, json=body, headers=world.headers(world.buyer))
        assert answer.status_code == status, (method, answer.get_json())
        error = answer.get_json()["error"]
        assert error["code"] == code and error["message"]
        if status == 400:
            assert error["details"]["problems"], error
    assert state() == before


def test_patch_needs_a_field_and_an_archived_address_is_not_edited(
        client: FlaskClient, world: World) -> None:
    address = _add(client, world, HEAD_OFFICE)
    path = f"/api/v1/addresses/{address['id']}"
    empty = client.patch(path, json={}, headers=world.headers(world.buyer))
    assert empty.status_code == 400 and empty.get_json()["error"]["code"] == "validation_failed"
    assert client.delete(path, headers=world.headers(world.buyer)).status_code == 200
    late = client.patch(path, json={"label": "Too late"}, headers=world.headers(world.buyer))
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "address_archived"
    world.session.expire_all()
    assert world.session.get_one(DeliveryAddress, address["id"]).label == "Head office"


def _requisition(client: FlaskClient, world: World, **extra: Any) -> Any:
    return client.post("/api/v1/requisitions", headers=world.headers(world.buyer), json={
        "lines": [{"offer_id": world.offers[0].id, "quantity": 2}], **extra})


def test_the_order_keeps_its_copy_whatever_happens_to_the_address(
        client: FlaskClient, world: World) -> None:
    _add(client, world, HEAD_OFFICE)  # the default
    stores = _add(client, world, STORES)
    answer = _requisition(client, world, delivery_address_id=stores["id"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    snapshot = {"id": stores["id"], **{k: stores[k] for k in (
        "label", "recipient_name", "phone", "line1", "line2", "city", "postal_code",
        "region")}}
    assert body["delivery_address"] == snapshot and body["delivery_region"] == "CN-SH"
    [order] = body["orders"]
    assert order["delivery_address"] == snapshot and order["delivery_region"] == "CN-SH"

    path = f"/api/v1/addresses/{stores['id']}"
    assert client.patch(path, json={"line1": "新地址 99 号", "region": "CN-TJ"},
                        headers=world.headers(world.buyer)).status_code == 200
    assert client.delete(path, headers=world.headers(world.buyer)).status_code == 200
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=world.headers(world.buyer))
    assert shown.get_json()["delivery_address"] == snapshot
    assert shown.get_json()["delivery_region"] == "CN-SH"
    world.session.expire_all()
    stored = world.session.get_one(PurchaseOrder, order["id"])
    assert stored.delivery_address == snapshot
    assert world.session.get_one(Requisition, body["id"]).delivery_address == snapshot

    # An archived address can no longer be chosen; another organization's is not found.
    archived = _requisition(client, world, delivery_address_id=stores["id"])
    assert archived.status_code == 422
    assert archived.get_json()["error"]["code"] == "address_archived"
    stranger_org = make_org(world.session, kind="purchaser", region="CN-BJ")
    foreign = DeliveryAddress(organization_id=stranger_org.id, **{**HEAD_OFFICE,
                                                                   "label": "Theirs"})
    world.session.add(foreign)
    world.session.flush()
    unknown = _requisition(client, world, delivery_address_id=foreign.id)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "address_not_found"


def test_without_a_choice_the_default_is_used_and_without_a_book_none(
        client: FlaskClient, world: World) -> None:
    plain = _requisition(client, world)
    assert plain.status_code == 201
    assert plain.get_json()["delivery_address"] is None
    assert plain.get_json()["orders"][0]["delivery_region"] == world.purchaser.region
    head = _add(client, world, HEAD_OFFICE)
    chosen = _requisition(client, world)
    assert chosen.get_json()["delivery_address"]["id"] == head["id"]
    assert chosen.get_json()["orders"][0]["delivery_address"]["recipient_name"] == "王伟"


def test_offers_must_deliver_to_the_address_region(client: FlaskClient,
                                                   world: World) -> None:
    stores = _add(client, world, STORES)  # CN-SH
    offer = world.offers[0]
    offer.regions = ["CN-BJ"]
    world.session.flush()
    answer = _requisition(client, world, delivery_address_id=stores["id"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "blocked" and body["orders"] == []
    assert any("CN-SH" in r["message_en"] for r in body["reasons"])
