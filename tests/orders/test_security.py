"""Security findings of issue 11: eligibility re-checked whatever the price hold says (1),
competitors never disclosed (11), unpublished offers never leak (12), cart quantities capped
(15b)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from mall.catalog.models import AgreementSupplier, Offer
from mall.db import utcnow
from mall.errors import RuleViolation
from mall.orders.models import (
    MAX_LINE_QUANTITY,
    Approval,
    Competition,
    PurchaseOrder,
    Requisition,
)
from mall.orders.services import purchase_orders
from tests.factories.accounts import approval_limits
from tests.factories.catalog import make_agreement, make_offer
from tests.orders.conftest import World

# --- 1. eligibility at approval, at order placement and at award ---------------------------


def _pending(world: World, quantity: int = 6000, collective: bool = False) -> Requisition:
    if collective:
        approval_limits(world.purchaser, "5000", "8000", 2)
        quantity = max(quantity, 9000)
    else:
        approval_limits(world.purchaser, "5000", None, None)
    requisition = world.requisition((world.offers[0], quantity))
    assert (requisition.route, requisition.status) == ("approval", "pending")
    return requisition


def _delist(world: World) -> None:
    world.offers[0].status = "delisted"


def _debar(world: World) -> None:
    world.suppliers[0].status = "debarred"


def _suspend_supplier(world: World) -> None:
    world.suppliers[0].status = "suspended"


def _suspend_agreement(world: World) -> None:
    world.agreement.status = "suspended"


def _end_agreement(world: World) -> None:
    world.agreement.ends_on = date.today() - timedelta(days=1)


def _withdraw_award(world: World) -> None:
    world.session.execute(delete(AgreementSupplier).where(
        AgreementSupplier.agreement_id == world.agreement.id,
        AgreementSupplier.supplier_id == world.suppliers[0].id))
    world.session.expire(world.agreement)


def _lower_ceiling(world: World) -> None:
    world.agreement.lots[0].ceiling_price = Decimal("0.99")


def _sell_out(world: World) -> None:
    world.offers[0].stock = 10


CHANGES: list[tuple[Callable[[World], None], str]] = [
    (_delist, "offer_inactive"),
    (_debar, "supplier_inactive"),
    (_suspend_supplier, "supplier_inactive"),
    (_suspend_agreement, "agreement_inactive"),
    (_end_agreement, "agreement_out_of_date"),
    (_withdraw_award, "supplier_inactive"),
    (_lower_ceiling, "price_above_ceiling"),
    (_sell_out, "insufficient_stock"),
]


def _orders(world: World) -> int:
    return world.session.scalar(select(func.count()).select_from(PurchaseOrder)) or 0


@pytest.mark.parametrize(("change", "problem"), CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_approval_inside_the_price_hold_rechecks_eligibility(
        client: FlaskClient, world: World, change: Callable[[World], None],
        problem: str) -> None:
    requisition = _pending(world)
    change(world)
    world.session.flush()
    stock = world.offers[0].stock
    response = client.post(f"/api/v1/requisitions/{requisition.id}/approve",
                           headers=world.headers(world.approvers[0]))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "no_longer_eligible"
    [rule] = error["details"]["ineligible"]
    assert rule["rule"] == "eligibility" and rule["outcome"] == "blocked"
    assert problem in rule["inputs"]["problems"]
    assert rule["message_en"] in error["message"]
    # nothing changed: no order, no approval, the requisition still waits, stock untouched
    world.session.refresh(requisition)
    assert requisition.status == "pending" and requisition.approvals == []
    assert _orders(world) == 0
    world.session.refresh(world.offers[0])
    assert world.offers[0].stock == stock


def test_every_failing_rule_is_listed(client: FlaskClient, world: World) -> None:
    requisition = _pending(world)
    _delist(world)
    _debar(world)
    world.session.flush()
    response = client.post(f"/api/v1/requisitions/{requisition.id}/approve",
                           headers=world.headers(world.approvers[0]))
    problems = response.json["error"]["details"]["ineligible"][0]["inputs"]["problems"]
    assert {"offer_inactive", "supplier_inactive"} <= set(problems)


def test_a_first_of_several_approvals_is_also_refused(client: FlaskClient,
                                                      world: World) -> None:
    requisition = _pending(world, collective=True)
    _debar(world)
    world.session.flush()
    response = client.post(f"/api/v1/requisitions/{requisition.id}/approve",
                           headers=world.headers(world.approvers[0]))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "no_longer_eligible"
    assert world.session.scalar(select(func.count()).select_from(Approval)) == 0


def test_the_hold_keeps_the_price_not_the_eligibility(world: World) -> None:
    """A price rise inside the hold is honoured; a suspension inside it is not."""
    requisition = _pending(world)
    world.offers[0].price = Decimal("1.50")
    world.session.flush()
    from mall.orders.services import approvals

    approved = approvals.approve(world.session, world.approvers[0], requisition.id,
                                 now=utcnow() + timedelta(days=6))
    assert approved.orders[0].lines[0].unit_price == Decimal("1.00")

    other = world.requisition((world.offers[1], 6000))
    world.suppliers[1].status = "suspended"
    world.session.flush()
    with pytest.raises(RuleViolation) as refused:
        approvals.approve(world.session, world.approvers[0], other.id,
                          now=utcnow() + timedelta(days=6))
    assert refused.value.code == "no_longer_eligible"


def test_order_placement_itself_rechecks_eligibility(world: World) -> None:
    requisition = _pending(world)
    _delist(world)
    world.session.flush()
    with pytest.raises(RuleViolation) as refused:
        purchase_orders.place_orders(world.session, requisition, world.approvers[0])
    assert refused.value.code == "no_longer_eligible"
    assert _orders(world) == 0


def _competition(world: World) -> Competition:
    requisition = world.requisition((world.offers[0], 300_000))
    assert requisition.route == "competition"
    competition = world.session.scalar(select(Competition).where(
        Competition.requisition_id == requisition.id))
    assert competition is not None
    return competition


def _quote(client: FlaskClient, world: World, index: int, competition: Competition,
           price: str) -> None:
    line_id = competition.requisition.lines[0].id
    response = client.post(f"/api/v1/competitions/{competition.id}/quotes",
                           json={"lines": [{"line_id": line_id, "unit_price": price}]},
                           headers=world.headers(world.supplier_user(index)))
    assert response.status_code == 201, response.json


def _close(world: World, competition: Competition) -> None:
    competition.deadline = utcnow() - timedelta(minutes=1)
    world.session.flush()


def _award(client: FlaskClient, world: World, competition: Competition):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/competitions/{competition.id}/award",
                       headers=world.headers(world.buyer))


def _refused_award(client: FlaskClient, world: World, competition: Competition,
                   problem: str) -> None:
    response = _award(client, world, competition)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "no_longer_eligible"
    problems = response.json["error"]["details"]["ineligible"][0]["inputs"]["problems"]
    assert problem in problems
    world.session.refresh(competition)
    assert competition.status == "open" and competition.awarded_quote_id is None
    assert competition.requisition.status == "pending"
    assert _orders(world) == 0


def test_award_to_a_debarred_winner_is_refused(client: FlaskClient, world: World) -> None:
    competition = _competition(world)
    _quote(client, world, 0, competition, "0.90")  # the requested offer's own supplier
    _quote(client, world, 1, competition, "0.95")
    _close(world, competition)
    _debar(world)
    world.session.flush()
    _refused_award(client, world, competition, "supplier_inactive")


def test_award_for_the_winners_delisted_offer_is_refused(client: FlaskClient,
                                                        world: World) -> None:
    competition = _competition(world)
    _quote(client, world, 0, competition, "0.90")
    _close(world, competition)
    _delist(world)
    world.session.flush()
    _refused_award(client, world, competition, "offer_inactive")


def test_award_to_a_winner_without_an_offer_checks_the_supplier(client: FlaskClient,
                                                                world: World) -> None:
    """Supplier 1 never listed the product: its status and award still count."""
    competition = _competition(world)
    _quote(client, world, 1, competition, "0.90")
    _close(world, competition)
    world.suppliers[1].status = "suspended"
    world.session.flush()
    _refused_award(client, world, competition, "supplier_inactive")
    world.suppliers[1].status = "active"
    world.session.flush()
    response = _award(client, world, competition)
    assert response.status_code == 200, response.json
    order = world.session.scalars(select(PurchaseOrder)).one()
    assert order.supplier_id == world.suppliers[1].id and order.lines[0].offer_id is None


def test_a_winner_cannot_be_ordered_around_its_suspended_offer(client: FlaskClient,
                                                               world: World) -> None:
    """Supplier 1's own offer of the same product is suspended: not treated as no offer."""
    competition = _competition(world)
    requested = world.offers[0]
    own = make_offer(world.session, world.agreement, world.suppliers[1], brand=requested.brand,
                     model=requested.model, price=Decimal("1.00"), stock=10_000_000,
                     status="suspended")
    assert own.product_id == requested.product_id
    _quote(client, world, 1, competition, "0.90")
    _close(world, competition)
    _refused_award(client, world, competition, "offer_inactive")


# --- 11. competitors are not disclosed ------------------------------------------------------


def test_an_invited_supplier_sees_only_itself(client: FlaskClient, world: World) -> None:
    competition = _competition(world)
    _quote(client, world, 0, competition, "0.90")
    _quote(client, world, 2, competition, "0.95")
    me = world.supplier_user(1)
    _quote(client, world, 1, competition, "0.97")
    shown = client.get(f"/api/v1/competitions/{competition.id}", headers=world.headers(me))
    assert shown.status_code == 200
    body = shown.json
    assert body["invited_supplier_ids"] is None
    assert (body["invited_count"], body["quoted_count"]) == (3, 3)
    assert body["invitation"]["supplier_id"] == world.suppliers[1].id
    assert [q["supplier_id"] for q in body["quotes"]] == [world.suppliers[1].id]
    others = {world.suppliers[0].id, world.suppliers[2].id}
    listed = client.get("/api/v1/supplier/competitions", headers=world.headers(me)).json
    [item] = listed["items"]
    assert item["invited_supplier_ids"] is None and item["invited_count"] == 3
    assert [q["supplier_id"] for q in item["quotes"]] == [world.suppliers[1].id]
    for payload in (body, item):
        assert not others & _ids_in(payload)


def _ids_in(payload: object) -> set[int]:
    """Every integer under a key naming a supplier, anywhere in the payload."""
    found: set[int] = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if "supplier" in key and isinstance(value, int):
                found.add(value)
            elif "supplier" in key and isinstance(value, list):
                found |= {v for v in value if isinstance(v, int)}
            else:
                found |= _ids_in(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= _ids_in(value)
    return found


def test_the_purchaser_sees_counts_until_the_award(client: FlaskClient, world: World) -> None:
    competition = _competition(world)
    _quote(client, world, 0, competition, "0.90")
    _quote(client, world, 1, competition, "0.95")
    url = f"/api/v1/competitions/{competition.id}"
    before = client.get(url, headers=world.headers(world.buyer)).json
    assert before["invited_supplier_ids"] is None and before["quotes"] is None
    assert (before["invited_count"], before["quoted_count"]) == (3, 2)
    _close(world, competition)
    sealed = client.get(url, headers=world.headers(world.buyer)).json
    assert [q["supplier_id"] for q in sealed["quotes"]] == [None, None]
    assert _ids_in(sealed) == set()
    assert _award(client, world, competition).status_code == 200
    after = client.get(url, headers=world.headers(world.buyer)).json
    assert sorted(after["invited_supplier_ids"]) == sorted(s.id for s in world.suppliers)
    assert [q["supplier_id"] for q in after["quotes"]] == [world.suppliers[0].id,
                                                           world.suppliers[1].id]
    # the supplier still sees only itself after the award
    mine = client.get(url, headers=world.headers(world.supplier_user(1))).json
    assert mine["invited_supplier_ids"] is None
    assert [q["supplier_id"] for q in mine["quotes"]] == [world.suppliers[1].id]


# --- 12. offers a purchaser may not see never enter a cart or a requisition ----------------


def _draft(world: World) -> Offer:
    return make_offer(world.session, world.agreement, world.suppliers[0], status="draft",
                      title="秘密新品 unreleased", price=Decimal("7.77"))


def _pending_review(world: World) -> Offer:
    return make_offer(world.session, world.agreement, world.suppliers[0],
                      status="pending_review", title="秘密新品 unreleased")


def _expired(world: World) -> Offer:
    return make_offer(world.session, world.agreement, world.suppliers[0],
                      valid_until=date.today() - timedelta(days=1), title="秘密新品 unreleased")


def _other_region(world: World) -> Offer:
    return make_offer(world.session, world.agreement, world.suppliers[0], regions=["CN-SH"],
                      title="秘密新品 unreleased")


def _suspended_supplier(world: World) -> Offer:
    offer = make_offer(world.session, world.agreement, world.suppliers[1],
                       title="秘密新品 unreleased")
    world.suppliers[1].status = "suspended"
    return offer


def _suspended_agreement(world: World) -> Offer:
    agreement = make_agreement(world.session, category=world.category,
                               suppliers=[world.suppliers[0]], status="suspended")
    return make_offer(world.session, agreement, world.suppliers[0], title="秘密新品 unreleased")


def _not_awarded(world: World) -> Offer:
    agreement = make_agreement(world.session, category=world.category)
    offer = make_offer(world.session, agreement, world.suppliers[0], title="秘密新品 unreleased")
    world.session.execute(delete(AgreementSupplier).where(
        AgreementSupplier.agreement_id == agreement.id))
    world.session.expire(agreement)
    return offer


HIDDEN = [_draft, _pending_review, _expired, _other_region, _suspended_supplier,
          _suspended_agreement, _not_awarded]


def _not_found(response, offer_id: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 404, response.json
    assert response.json["error"]["code"] == "offer_not_found"
    assert "秘密" not in response.get_data(as_text=True)
    assert "7.77" not in response.get_data(as_text=True)


@pytest.mark.parametrize("hidden", HIDDEN, ids=[h.__name__ for h in HIDDEN])
def test_a_hidden_offer_is_not_found_like_a_missing_one(client: FlaskClient, world: World,
                                                        hidden: Callable[[World], Offer]
                                                        ) -> None:
    offer = hidden(world)
    world.session.flush()
    headers = world.headers(world.buyer)
    missing_id = 999_999_999
    missing = client.post("/api/v1/cart/lines", json={"offer_id": missing_id, "quantity": 1},
                          headers=headers)
    added = client.post("/api/v1/cart/lines", json={"offer_id": offer.id, "quantity": 1},
                        headers=headers)
    _not_found(added, offer.id)
    # the same answer as for an id that does not exist, up to the id itself
    assert added.json["error"]["message"].replace(str(offer.id), "N") == \
        missing.json["error"]["message"].replace(str(missing_id), "N")
    assert client.get("/api/v1/cart", headers=headers).json["lines"] == []

    requested = client.post("/api/v1/requisitions", json={"lines": [
        {"offer_id": world.offers[2].id, "quantity": 1}, {"offer_id": offer.id, "quantity": 1}]},
        headers=headers)
    _not_found(requested, offer.id)
    assert requested.json["error"]["details"]["offer_ids"] == [offer.id]
    assert world.session.scalar(select(func.count()).select_from(Requisition)) == 0


def test_an_offer_hidden_after_entering_the_cart_cannot_be_requested(
        client: FlaskClient, world: World) -> None:
    headers = world.headers(world.buyer)
    offer = world.offers[0]
    assert client.post("/api/v1/cart/lines", json={"offer_id": offer.id, "quantity": 2},
                       headers=headers).status_code == 201
    offer.status = "draft"
    world.session.flush()
    response = client.post("/api/v1/requisitions", json={"from_cart": True}, headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "offer_not_found"
    assert world.session.scalar(select(func.count()).select_from(Requisition)) == 0


def test_the_cart_page_shows_a_withdrawn_offer_only_as_unavailable(
        client: FlaskClient, world: World) -> None:
    from tests.factories.accounts import PASSWORD

    visible, withdrawn = world.offers[0], world.offers[1]
    headers = world.headers(world.buyer)
    for offer in (visible, withdrawn):
        assert client.post("/api/v1/cart/lines", json={"offer_id": offer.id, "quantity": 1},
                           headers=headers).status_code == 201
    withdrawn.status, withdrawn.title = "draft", "Secret draft title"
    world.session.flush()
    assert client.post("/login", data={"email": world.buyer.email,
                                        "password": PASSWORD}).status_code == 302
    page = client.get("/cart").get_data(as_text=True)
    assert visible.title in page
    assert "Secret draft title" not in page
    assert f'data-unavailable-offer="{withdrawn.id}"' in page


def test_a_purchaser_in_the_offers_country_may_buy_a_country_wide_offer(
        client: FlaskClient, world: World) -> None:
    offer = make_offer(world.session, world.agreement, world.suppliers[0], regions=["CN"])
    response = client.post("/api/v1/cart/lines", json={"offer_id": offer.id, "quantity": 1},
                           headers=world.headers(world.buyer))
    assert response.status_code == 201, response.json


# --- 15b. repeated cart adds stay within the cap and the stock ------------------------------


def test_repeated_adds_cannot_pass_the_quantity_cap(client: FlaskClient, world: World) -> None:
    headers = world.headers(world.buyer)
    offer = world.offers[0]  # stock 100,000,000
    url = "/api/v1/cart/lines"
    assert client.post(url, json={"offer_id": offer.id, "quantity": MAX_LINE_QUANTITY},
                       headers=headers).status_code == 201
    again = client.post(url, json={"offer_id": offer.id, "quantity": 1}, headers=headers)
    assert again.status_code == 422
    assert again.json["error"]["code"] == "quantity_above_limit"
    assert again.json["error"]["details"]["max_quantity"] == MAX_LINE_QUANTITY
    cart = client.get("/api/v1/cart", headers=headers).json
    assert cart["lines"] == [{"offer_id": offer.id, "quantity": MAX_LINE_QUANTITY}]


def test_cart_quantities_cannot_pass_the_stock(client: FlaskClient, world: World) -> None:
    headers = world.headers(world.buyer)
    offer = make_offer(world.session, world.agreement, world.suppliers[0], stock=5)
    url = "/api/v1/cart/lines"
    assert client.post(url, json={"offer_id": offer.id, "quantity": 3},
                       headers=headers).status_code == 201
    again = client.post(url, json={"offer_id": offer.id, "quantity": 3}, headers=headers)
    assert again.status_code == 422
    assert again.json["error"]["code"] == "insufficient_stock"
    assert again.json["error"]["details"] == {"offer_id": offer.id, "quantity": 6, "stock": 5}
    patched = client.patch(f"{url}/{offer.id}", json={"quantity": 6}, headers=headers)
    assert patched.status_code == 422 and patched.json["error"]["code"] == "insufficient_stock"
    assert client.post(url, json={"offer_id": offer.id, "quantity": 2},
                       headers=headers).status_code == 201
    cart = client.get("/api/v1/cart", headers=headers).json
    assert cart["lines"] == [{"offer_id": offer.id, "quantity": 5}]
    # more than the stock can never enter a cart to begin with
    fresh = make_offer(world.session, world.agreement, world.suppliers[0], stock=1)
    first = client.post(url, json={"offer_id": fresh.id, "quantity": 2}, headers=headers)
    assert first.status_code == 422 and first.json["error"]["code"] == "insufficient_stock"


def test_repeated_requisition_lines_cannot_pass_the_quantity_cap(client: FlaskClient,
                                                                  world: World) -> None:
    offer = world.offers[0]
    line = {"offer_id": offer.id, "quantity": MAX_LINE_QUANTITY}
    response = client.post("/api/v1/requisitions", json={"lines": [line, line]},
                           headers=world.headers(world.buyer))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "quantity_above_limit"
    assert world.session.scalar(select(func.count()).select_from(Requisition)) == 0
