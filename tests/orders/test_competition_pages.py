"""Competition pages through the test client: sealed until the deadline, the evaluation
table and award, the supplier's quote with its confirmation step."""

from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select

from mall.orders.models import Quote
from tests.factories.accounts import PASSWORD
from tests.orders.conftest import World
from tests.orders.test_competitions import _close, _competition, _quote


def _log_in(client: FlaskClient, email: str) -> None:
    # These pages are read in English (the messages asserted below); Chinese is the default.
    client.set_cookie("mall_lang", "en")
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_purchaser_page_is_sealed_until_the_deadline(client: FlaskClient, world: World) -> None:
    requisition, competition = _competition(world)
    _quote(client, world, world.supplier_user(0), competition, "0.93")
    _log_in(client, world.buyer.email)
    page = client.get(f"/competitions/{competition.id}").get_data(as_text=True)
    assert 'class="invited-count">3<' in page and 'class="quoted-count">1<' in page
    assert "Asia/Shanghai" in page  # the purchaser's zone (CN-BJ), not UTC
    assert " d " in page and "left" in page  # time left
    assert "279000.00" not in page and "0.93" not in page  # no price before the deadline
    assert world.suppliers[0].name not in page  # nor who quoted
    assert 'class="evaluation"' not in page and 'data-action="award"' not in page
    # the requisition page links to its competition
    req_page = client.get(f"/requisitions/{requisition.id}").get_data(as_text=True)
    assert f'href="/competitions/{competition.id}"' in req_page
    listed = client.get("/competitions").get_data(as_text=True)
    assert f'data-competition-id="{competition.id}"' in listed


def test_evaluation_table_and_award_after_the_deadline(client: FlaskClient,
                                                       world: World) -> None:
    requisition, competition = _competition(world)
    _quote(client, world, world.supplier_user(0), competition, "0.90")
    second = _quote(client, world, world.supplier_user(1), competition, "0.95").json
    _close(world, competition)
    _log_in(client, world.buyer.email)
    page = client.get(f"/competitions/{competition.id}").get_data(as_text=True)
    assert 'data-rank="1"' in page and 'data-rank="2"' in page
    assert "270,000.00" in page and "285,000.00" in page  # money in the reader's locale
    assert "Quote A" in page and world.suppliers[0].name not in page  # anonymous until award
    # rank 2 without a reason: refused, nothing awarded
    response = client.post(f"/competitions/{competition.id}/award",
                           data={"quote_id": second["id"]}, follow_redirects=True)
    assert "needs a reason" in response.get_data(as_text=True)
    world.session.refresh(competition)
    assert competition.status == "open"
    response = client.post(f"/competitions/{competition.id}/award",
                           data={"quote_id": second["id"], "reason": "faster delivery"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Awarded to rank 2" in page and "faster delivery" in page
    assert world.suppliers[1].name in page  # disclosed after the award
    world.session.refresh(requisition)
    assert requisition.status == "ordered"
    assert requisition.orders[0].supplier_id == world.suppliers[1].id


def test_cancel_on_the_page_needs_a_reason(client: FlaskClient, world: World) -> None:
    _, competition = _competition(world)
    _log_in(client, world.buyer.email)
    client.post(f"/competitions/{competition.id}/cancel", data={"reason": ""})
    world.session.refresh(competition)
    assert competition.status == "open"
    client.post(f"/competitions/{competition.id}/cancel", data={"reason": "budget cut"})
    world.session.refresh(competition)
    assert (competition.status, competition.cancel_reason) == ("cancelled", "budget cut")


def test_supplier_quotes_with_a_confirmation_step(client: FlaskClient, world: World) -> None:
    world.agreement.lots[0].ceiling_price = Decimal("1.20")
    world.session.flush()
    _, competition = _competition(world)
    line_id = competition.requisition.lines[0].id
    supplier = world.supplier_user(1)
    _log_in(client, supplier.email)
    listed = client.get("/supplier/competitions").get_data(as_text=True)
    assert f'data-competition-id="{competition.id}" data-standing="to_quote"' in listed
    page = client.get(f"/supplier/competitions/{competition.id}").get_data(as_text=True)
    assert "CN¥1.20" in page  # its ceiling for the line
    assert world.suppliers[0].name not in page and world.suppliers[2].name not in page
    # above the ceiling: a clear message, no confirmation offered
    review = client.post(f"/supplier/competitions/{competition.id}/review",
                         data={f"price-{line_id}": "1.25"})
    text = review.get_data(as_text=True)
    assert "above your ceiling 1.20" in text and 'data-action="confirm-quote"' not in text
    not_a_number = client.post(f"/supplier/competitions/{competition.id}/review",
                               data={f"price-{line_id}": "abc"}).get_data(as_text=True)
    assert "enter a unit price" in not_a_number
    review = client.post(f"/supplier/competitions/{competition.id}/review",
                         data={f"price-{line_id}": "1.10"})
    text = review.get_data(as_text=True)
    assert 'data-action="confirm-quote"' in text and "330,000.00" in text
    assert "cannot be changed" in text
    assert world.session.scalar(select(Quote.id).where(
        Quote.competition_id == competition.id)) is None  # nothing sent yet
    # posting without the confirmation sends nothing
    client.post(f"/supplier/competitions/{competition.id}/quote",
                data={f"price-{line_id}": "1.10"})
    assert world.session.scalar(select(Quote.id).where(
        Quote.competition_id == competition.id)) is None
    done = client.post(f"/supplier/competitions/{competition.id}/quote",
                       data={f"price-{line_id}": "1.10", "confirm": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "it is final" in done and 'data-standing="quoted"' in done
    quote = world.session.scalar(select(Quote).where(Quote.competition_id == competition.id))
    assert quote is not None and quote.total == Decimal("330000.00")
    # the outcome after the award
    _close(world, competition)
    assert client.post(f"/api/v1/competitions/{competition.id}/award",
                       headers=world.headers(world.buyer)).status_code == 200
    outcome = client.get(f"/supplier/competitions/{competition.id}").get_data(as_text=True)
    assert 'data-standing="won"' in outcome and "Your quote won" in outcome


def test_other_roles_cannot_reach_the_pages(client: FlaskClient, world: World) -> None:
    _, competition = _competition(world)
    outsider = World.supplier_user(world, 2)
    _log_in(client, outsider.email)
    assert client.get(f"/competitions/{competition.id}").status_code == 403
    _log_in(client, world.buyer.email)
    assert client.get(f"/supplier/competitions/{competition.id}").status_code == 403
