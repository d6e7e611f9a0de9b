"""Order rotation (顺序轮候): the supplier whose turn it is gets the order, fairly and once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.models import AuditEvent
from mall.catalog.models import ItemCeiling, Offer
from mall.db import db
from mall.errors import NotFound, RuleViolation
from mall.orders.models import (
    Competition,
    Requisition,
    RequisitionLine,
    RotationPosition,
    RotationTurn,
)
from mall.orders.services import approvals, requisitions
from mall.orders.services.rotation import ProductLine, queue_key
from tests.concurrency import run_together
from tests.factories.accounts import PASSWORD, approval_limits, make_org, make_user
from tests.factories.catalog import make_agreement, make_offer
from tests.orders.conftest import World, build_world


@dataclass
class Rotation:
    world: World
    offers: list[Offer]  # one per supplier, all for the same product, in award order

    @property
    def product_id(self) -> int:
        return self.offers[0].product_id

    def request(self, quantity: int = 1, user: User | None = None, **kwargs: Any) -> Requisition:
        w = self.world
        return requisitions.create_requisition(
            w.session, w.settings, user or w.buyer,
            [ProductLine(self.product_id, quantity, kwargs.pop("agreement_number", None))],
            **kwargs)


def rotation_world(session: Session, app: Flask, suppliers: int = 3, price: str = "100.00",
                   stock: int = 1_000, **world: Any) -> Rotation:
    world = build_world(session, app, suppliers=suppliers, **world)
    world.agreement.second_stage = "rotation"
    offers = [make_offer(session, world.agreement, s, brand="Haier", model="KFR-35GW",
                         price=Decimal(price), stock=stock) for s in world.suppliers]
    session.flush()
    assert len({o.product_id for o in offers}) == 1
    return Rotation(world, offers)


@pytest.fixture
def rot(db_session: Session, app: Flask) -> Rotation:
    return rotation_world(db_session, app)


def rotation_reason(requisition: Requisition) -> dict[str, Any]:
    decision = requisition.latest_decision
    assert decision is not None
    found = [r for r in decision.rules if r["rule"] == "rotation"]
    assert len(found) == 1, decision.rules
    return found[0]


def assigned(requisition: Requisition) -> int:
    (line,) = requisition.lines
    assert line.assignment == "rotation"
    return line.supplier_id


@pytest.mark.smoke
def test_nine_requisitions_go_three_to_each_of_three_suppliers_in_turn(rot: Rotation) -> None:
    served = [assigned(rot.request()) for _ in range(9)]
    ids = [s.id for s in rot.world.suppliers]
    assert served == ids * 3  # award order, then round and round
    assert Counter(served) == {i: 3 for i in ids}
    session = rot.world.session
    turn = session.get_one(RotationTurn, (rot.world.agreement.id, rot.product_id))
    assert turn.seq == 9
    positions = session.scalars(select(RotationPosition)).all()
    assert {p.supplier_id: p.served_count for p in positions} == {i: 3 for i in ids}
    assert sorted(p.last_served_seq for p in positions) == [7, 8, 9]


def test_each_assignment_places_the_order_with_the_assigned_offer(rot: Rotation) -> None:
    requisition = rot.request(quantity=4)
    assert requisition.route == "direct" and requisition.status == "ordered"
    (line,) = requisition.lines
    offer = rot.offers[0]
    assert (line.offer_id, line.supplier_id, line.unit_price) == (offer.id, offer.supplier_id,
                                                                 offer.price)
    (order,) = requisition.orders
    assert order.supplier_id == offer.supplier_id
    assert offer.stock == 1_000 - 4
    reason = rotation_reason(requisition)
    assert reason["inputs"]["turn"] == 1 and reason["inputs"]["skipped"] == []
    assert offer.supplier.name in reason["message_en"]
    assert offer.supplier.name in reason["message_zh"] and "顺序轮候" in reason["message_zh"]
    events = rot.world.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "rotation.assign",
        AuditEvent.target_id == str(requisition.id))).all()
    assert [(e.after["supplier_id"], e.after["turn"]) for e in events] == [
        (offer.supplier_id, 1)]


def test_an_out_of_stock_supplier_is_skipped_and_served_next_once_restocked(
        rot: Rotation) -> None:
    first, second, third = rot.offers
    first.stock = 0
    r1 = rot.request()
    assert assigned(r1) == second.supplier_id
    skipped = rotation_reason(r1)["inputs"]["skipped"]
    assert skipped == [{"supplier_id": first.supplier_id, "supplier_name": first.supplier.name,
                        "offer_id": first.id, "problems": ["insufficient_stock"]}]
    assert f"it was {first.supplier.name}'s turn" in rotation_reason(r1)["message_en"]
    assert "库存 0 少于需求数量 1" in rotation_reason(r1)["message_zh"]

    assert assigned(rot.request()) == third.supplier_id  # still out: skipped again
    first.stock = 5
    # Never served, so the longest waiting: its turn comes as soon as it can deliver.
    assert assigned(rot.request()) == first.supplier_id
    assert [assigned(rot.request()) for _ in range(3)] == [
        second.supplier_id, third.supplier_id, first.supplier_id]


def test_ineligible_suppliers_are_skipped_with_their_reasons_in_the_decision(
        db_session: Session, app: Flask) -> None:
    rot = rotation_world(db_session, app, suppliers=4)
    far, suspended, dear, good = rot.offers
    far.regions = ["CN-SH"]  # the purchaser is in CN-BJ
    suspended.supplier.status = "suspended"
    db_session.add(ItemCeiling(agreement_id=rot.world.agreement.id,
                               supplier_id=dear.supplier_id, sku=dear.sku,
                               ceiling_price=Decimal("99.00")))  # its price is 100.00
    db_session.flush()

    requisition = rot.request()
    assert assigned(requisition) == good.supplier_id
    assert requisition.route == "direct"
    reason = rotation_reason(requisition)
    assert {s["supplier_id"]: s["problems"] for s in reason["inputs"]["skipped"]} == {
        far.supplier_id: ["region_not_served"],
        suspended.supplier_id: ["supplier_inactive"],
        dear.supplier_id: ["price_above_ceiling"],
    }
    assert reason["inputs"]["queue"] == [o.supplier_id for o in rot.offers]
    assert "not delivered to CN-BJ" in reason["message_en"]
    assert "above the ceiling 99.00 CNY" in reason["message_en"]
    assert "不向 CN-BJ 供货" in reason["message_zh"]
    # The skipped keep their place ahead of the one served: once reinstated, the suspended
    # supplier is next (the one not delivering here is skipped again).
    suspended.supplier.status = "active"
    assert assigned(rot.request()) == suspended.supplier_id


def test_an_sme_reserved_purchase_skips_large_suppliers_in_turn(db_session: Session,
                                                               app: Flask) -> None:
    rot = rotation_world(db_session, app, sizes=("large", "small", "micro"))
    large, small, micro = rot.offers
    reserved = rot.request(sme_reserved=True)
    assert assigned(reserved) == small.supplier_id and reserved.sme_reserved
    assert rotation_reason(reserved)["inputs"]["skipped"][0]["problems"] == ["large_supplier"]
    assert "reserved for SMEs" in rotation_reason(reserved)["message_en"]
    assert assigned(rot.request()) == large.supplier_id  # it kept its place
    assert assigned(rot.request(sme_reserved=True)) == micro.supplier_id


def test_nobody_eligible_is_refused_with_each_reason(rot: Rotation) -> None:
    for offer in rot.offers:
        offer.stock = 1
    with pytest.raises(RuleViolation) as refused:
        rot.request(quantity=2)
    assert refused.value.code == "rotation_no_eligible_supplier"
    assert [s["problems"] for s in refused.value.details["skipped"]] == [
        ["insufficient_stock"]] * 3


def test_a_blocked_requisition_keeps_the_turn(rot: Rotation) -> None:
    for offer in rot.offers:
        offer.price, offer.stock = Decimal("1000.00"), 10_000
    first = rot.offers[0]
    # 1,001,000 CNY is above the e-mall's top tier: blocked whoever supplies it
    blocked = rot.request(quantity=1001)
    assert blocked.route == "blocked" and assigned(blocked) == first.supplier_id
    reason = rotation_reason(blocked)
    assert reason["inputs"]["turn"] is None and reason["inputs"]["turn_used"] is False
    assert "the turn is not used" in reason["message_en"]
    session = rot.world.session
    assert session.get_one(RotationTurn, (rot.world.agreement.id, rot.product_id)).seq == 0
    assert session.scalars(select(RotationPosition)).all() == []
    assert assigned(rot.request()) == first.supplier_id  # still its turn


def test_rotation_is_the_second_stage_instead_of_a_competition(rot: Rotation) -> None:
    for offer in rot.offers:
        offer.price, offer.stock = Decimal("1000.00"), 10_000
    # 300,000 CNY needs a competition under cn-central, but the rotation is the agreement's
    # second stage: no competition, the approval limits decide (none here: direct).
    requisition = rot.request(quantity=300)
    assert requisition.route == "direct" and requisition.status == "ordered"
    assert rot.world.session.scalars(select(Competition)).all() == []
    rules = {r["rule"]: r for r in requisition.latest_decision.rules}
    assert rules["tier"]["outcome"] == "competition"
    assert rules["rotation_second_stage"]["inputs"]["instead_of"] == "competition"
    assert "no competition is held" in rules["rotation_second_stage"]["message_en"]
    assert rules["approval_limits"]["outcome"] == "pass"
    assert rules["rotation"]["inputs"]["turn"] == 1


def test_rotation_second_stage_with_approval_limits_goes_to_an_approver(
        rot: Rotation) -> None:
    w = rot.world
    approval_limits(w.purchaser, "100000.00", None, None)
    for offer in rot.offers:
        offer.price, offer.stock = Decimal("1000.00"), 10_000
    requisition = rot.request(quantity=300)
    assert (requisition.route, requisition.status) == ("approval", "pending")
    assert requisition.required_approvals == 1
    assert rotation_reason(requisition)["inputs"]["turn_used"] is True
    assert assigned(rot.request()) == rot.offers[1].supplier_id  # the turn was used
    approvals.approve(w.session, w.approvers[0], requisition.id)
    assert requisition.status == "ordered"
    assert [o.supplier_id for o in requisition.orders] == [rot.offers[0].supplier_id]


def test_a_category_with_a_chosen_line_still_competes_and_keeps_the_turn(
        rot: Rotation) -> None:
    w = rot.world
    for offer in rot.offers:
        offer.price, offer.stock = Decimal("1000.00"), 10_000
    requisition = requisitions.create_requisition(
        w.session, w.settings, w.buyer,
        [ProductLine(rot.product_id, 150), (rot.offers[2].id, 150)])
    assert requisition.route == "competition"
    assert sorted(li.assignment for li in requisition.lines) == ["chosen", "rotation"]
    assert rotation_reason(requisition)["inputs"]["turn_used"] is False
    assert "rotation_second_stage" not in {r["rule"] for r in requisition.latest_decision.rules}
    assert assigned(rot.request()) == rot.offers[0].supplier_id


def test_product_lines_resolve_to_one_rotation_agreement(rot: Rotation) -> None:
    w, session = rot.world, rot.world.session
    with pytest.raises(NotFound) as missing:
        requisitions.create_requisition(session, w.settings, w.buyer, [ProductLine(10**9, 1)])
    assert missing.value.code == "product_not_found"
    # the same product under a second rotation agreement: the buyer must say which
    other = make_agreement(session, category=w.category, suppliers=w.suppliers[:1],
                           ceiling=None, second_stage="rotation")
    make_offer(session, other, w.suppliers[0], brand="Haier", model="KFR-35GW",
               price=Decimal("90.00"), stock=10)
    with pytest.raises(RuleViolation) as ambiguous:
        rot.request()
    assert ambiguous.value.code == "agreement_number_required"
    assert ambiguous.value.details["agreements"] == sorted([w.agreement.number, other.number])
    picked = rot.request(agreement_number=other.number)
    assert picked.lines[0].agreement_id == other.id
    with pytest.raises(NotFound):
        rot.request(agreement_number="GC-NONE")


def test_a_product_line_needs_a_rotation_agreement(world: World) -> None:
    with pytest.raises(RuleViolation) as refused:
        requisitions.create_requisition(world.session, world.settings, world.buyer,
                                        [ProductLine(world.offers[0].product_id, 1)])
    assert refused.value.code == "product_not_in_rotation"
    assert refused.value.details["agreements"] == [world.agreement.number]


def test_queue_order_is_least_recently_served_then_award_order() -> None:
    from datetime import UTC, datetime

    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    keys = {"served-5": queue_key(5, early, 1), "served-2": queue_key(2, late, 2),
            "never-late": queue_key(None, late, 3), "never-early-9": queue_key(None, early, 9),
            "never-early-4": queue_key(None, early, 4)}
    assert sorted(keys, key=keys.__getitem__) == [
        "never-early-4", "never-early-9", "never-late", "served-2", "served-5"]


# --- the API ------------------------------------------------------------------------------

def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.smoke
def test_api_answers_the_rotation_line_and_the_offer_chosen(rot: Rotation, client: Any) -> None:
    w = rot.world
    response = client.post("/api/v1/requisitions", headers=w.headers(w.buyer),
                           json={"lines": [{"product_id": rot.product_id, "quantity": 2}]})
    assert response.status_code == 201, response.json
    (line,) = response.json["lines"]
    assert line["assignment"] == "rotation"
    assert (line["offer_id"], line["supplier_id"]) == (rot.offers[0].id,
                                                       rot.offers[0].supplier_id)
    assert response.json["reasons"][0]["rule"] == "rotation"
    shown = client.get(f"/api/v1/requisitions/{response.json['id']}",
                       headers=w.headers(w.buyer)).json
    rule = next(r for r in shown["decision"]["rules"] if r["rule"] == "rotation")
    assert rule["inputs"]["offer_id"] == rot.offers[0].id
    chosen = client.post("/api/v1/requisitions", headers=w.headers(w.buyer),
                         json={"lines": [{"offer_id": rot.offers[2].id, "quantity": 1}]})
    assert chosen.json["lines"][0]["assignment"] == "chosen"


@pytest.mark.parametrize(("line", "field"), [
    ({"offer_id": 1, "product_id": 1, "quantity": 1}, "lines.0.offer_id"),
    ({"quantity": 1}, "lines.0.offer_id"),
    ({"offer_id": 1, "agreement_number": "GC-1", "quantity": 1}, "lines.0.agreement_number"),
    ({"product_id": "1", "quantity": 1}, "lines.0.product_id"),
    ({"product_id": 1, "quantity": 0}, "lines.0.quantity"),
])
def test_api_refuses_malformed_lines(rot: Rotation, client: Any, line: dict[str, Any],
                                     field: str) -> None:
    w = rot.world
    response = client.post("/api/v1/requisitions", headers=w.headers(w.buyer),
                           json={"lines": [line]})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "validation_failed"
    assert field in {p["field"] for p in response.json["error"]["details"]["problems"]}
    assert _count(w.session, Requisition) == 0


def test_api_refuses_a_product_outside_any_rotation_and_changes_nothing(
        rot: Rotation, client: Any) -> None:
    w = rot.world
    plain = w.offers[0]  # build_world's own offers sit under the same, now rotation, agreement
    direct = make_agreement(w.session, category=w.category, suppliers=w.suppliers,
                            ceiling=None)
    elsewhere = make_offer(w.session, direct, w.suppliers[0], brand="Gree", model="Q-1",
                           price=Decimal("10.00"))
    for body, status, code in [
        ({"product_id": elsewhere.product_id, "quantity": 1}, 422, "product_not_in_rotation"),
        ({"product_id": 10**9, "quantity": 1}, 404, "product_not_found"),
        ({"product_id": plain.product_id, "quantity": 1, "agreement_number": direct.number},
         404, "product_not_found"),
    ]:
        response = client.post("/api/v1/requisitions", headers=w.headers(w.buyer),
                               json={"lines": [body]})
        assert (response.status_code, response.json["error"]["code"]) == (status, code), body
    assert _count(w.session, Requisition) == 0
    assert _count(w.session, RotationTurn) == 0


def test_api_refuses_when_nobody_can_supply_and_keeps_the_queue(rot: Rotation,
                                                               client: Any) -> None:
    w = rot.world
    for offer in rot.offers:
        offer.stock = 1
    response = client.post("/api/v1/requisitions", headers=w.headers(w.buyer),
                           json={"lines": [{"product_id": rot.product_id, "quantity": 5}]})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "rotation_no_eligible_supplier"
    assert len(response.json["error"]["details"]["skipped"]) == 3
    assert _count(w.session, Requisition) == 0
    assert _count(w.session, RotationPosition) == 0
    turn = w.session.get(RotationTurn, (w.agreement.id, rot.product_id))
    assert turn is None or turn.seq == 0


def test_an_offer_the_purchaser_may_not_see_is_not_found(rot: Rotation) -> None:
    elsewhere = make_user(rot.world.session, make_org(rot.world.session, kind="purchaser",
                                                      region="CN-GD"), roles=("buyer",))
    for offer in rot.offers:
        offer.regions = ["CN-BJ"]
    with pytest.raises(NotFound):
        rot.request(user=elsewhere)


# --- pages --------------------------------------------------------------------------------

def _log_in(client: Any, user: User) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_offer_page_of_a_rotation_product_offers_no_supplier_choice(rot: Rotation,
                                                                    client: Any) -> None:
    _log_in(client, rot.world.buyer)
    page = client.get(f"/offers/{rot.offers[1].id}").get_data(as_text=True)
    assert "顺序轮候分配" in page and "Assigned by rotation" not in page  # one language
    assert f'action="/products/{rot.product_id}/rotation"' in page
    assert "add-to-cart" not in page
    # the same offer under a direct agreement is picked by the buyer, into the cart
    rot.world.agreement.second_stage = "direct"
    rot.world.session.flush()
    page = client.get(f"/offers/{rot.offers[1].id}").get_data(as_text=True)
    assert "add-to-cart" in page and "顺序轮候分配" not in page


def test_the_rotation_form_creates_one_requisition_per_form_key(rot: Rotation,
                                                               client: Any) -> None:
    _log_in(client, rot.world.buyer)
    form = {"quantity": "3", "agreement_number": rot.world.agreement.number,
            "submit_key": "form-key-1"}
    first = client.post(f"/products/{rot.product_id}/rotation", data=form)
    again = client.post(f"/products/{rot.product_id}/rotation", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    (requisition,) = rot.world.session.scalars(select(Requisition)).all()
    assert first.headers["Location"].endswith(f"/requisitions/{requisition.id}")
    assert assigned(requisition) == rot.offers[0].supplier_id
    assert requisition.lines[0].quantity == 3
    shown = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-assignment="rotation"' in shown and "顺序轮候" in shown


def test_the_rotation_form_says_why_when_refused(rot: Rotation, client: Any) -> None:
    _log_in(client, rot.world.buyer)
    for offer in rot.offers:
        offer.stock = 0
    back = f"http://localhost/offers/{rot.offers[0].id}"
    response = client.post(f"/products/{rot.product_id}/rotation",
                           data={"quantity": "1", "submit_key": "k2"},
                           headers={"Referer": back})
    assert (response.status_code, response.headers["Location"]) == (302, back)
    page = client.get(back).get_data(as_text=True)
    assert "目前没有入围供应商能承接此订单" in page  # the reason, in the reader's language
    assert _count(rot.world.session, Requisition) == 0
    assert client.post(f"/products/{rot.product_id}/rotation",
                       data={"quantity": "x"}).status_code == 302


# --- concurrency --------------------------------------------------------------------------

@pytest.mark.postgres_only
def test_ten_concurrent_rotation_requisitions_never_hand_out_one_turn_twice(
        app: Flask, committed_db: Engine) -> None:
    session = db.session()
    rot = rotation_world(session, app)
    # Ten purchasers, so their (purchaser, category) locks do not serialise them: only the
    # rotation turn's row lock stands between them.
    buyers = [make_user(session, make_org(session, kind="purchaser", region="CN-BJ"),
                        roles=("buyer",)) for _ in range(10)]
    session.commit()
    buyer_ids, product_id = [b.id for b in buyers], rot.product_id
    settings = rot.world.settings
    supplier_ids = [s.id for s in rot.world.suppliers]
    db.session.remove()

    def submit(buyer_id: int) -> Callable[[Session], None]:
        def job(own: Session) -> None:
            user = own.get_one(User, buyer_id)
            requisitions.create_requisition(own, settings, user, [ProductLine(product_id, 1)])
            own.commit()
        return job

    run_together(app, [submit(b) for b in buyer_ids])

    with app.app_context():
        own = db.session()
        rows = own.scalars(select(Requisition).order_by(Requisition.id)).all()
        assert len(rows) == 10 and {r.route for r in rows} == {"direct"}
        turns = sorted(rotation_reason(r)["inputs"]["turn"] for r in rows)
        assert turns == list(range(1, 11))
        served = Counter(own.scalars(select(RequisitionLine.supplier_id)))
        assert sorted(served.values()) == [3, 3, 4]
        assert served[supplier_ids[0]] == 4  # the first awarded got turns 1, 4, 7 and 10
        positions = {p.supplier_id: p.served_count
                     for p in own.scalars(select(RotationPosition))}
        assert positions == dict(served)
        turn = own.scalars(select(RotationTurn)).one()
        assert turn.seq == 10
        # each turn went to the supplier the queue said: round and round
        by_turn = {rotation_reason(r)["inputs"]["turn"]: r.lines[0].supplier_id for r in rows}
        assert [by_turn[t] for t in range(1, 11)] == (supplier_ids * 4)[:10]
        stock = {o.supplier_id: o.stock for o in own.scalars(
            select(Offer).where(Offer.product_id == product_id))}
        assert {s: 1_000 - stock[s] for s in supplier_ids} == dict(served)
