"""The center's agreement pages: list, create, edit, lots, awards, ceilings, history, roles."""

from __future__ import annotations

import io
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.catalog.models import Agreement, AgreementSupplier, ItemCeiling, Offer
from mall.outbox.models import OutboxEvent
from tests.center.conftest import Center, flashed, log_in
from tests.factories.accounts import make_org
from tests.factories.catalog import make_offer


def _agreement(session: Session, number: str) -> Agreement:
    session.expire_all()
    found = session.scalar(select(Agreement).where(Agreement.number == number))
    assert found is not None
    return found


def test_center_creates_an_agreement_with_two_lots_and_three_awards(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    log_in(client, center.admin)
    response = client.post("/center/agreements", data={
        "number": "GC-2027-01", "title": "Laptops 2027", "currency": "CNY",
        "starts_on": "2027-01-01", "ends_on": "2027-12-31", "regions": "CN-BJ CN-SH",
        "second_stage": "direct", "lot_code": "L1", "lot_category_code": center.category.code,
        "lot_ceiling": "8000"})
    assert response.status_code == 302 and response.location.endswith("/agreements/GC-2027-01")
    assert client.post("/center/agreements/GC-2027-01/lots", data={
        "code": "L2", "title": "Workstations", "category_code": center.category.code,
        "ceiling_price": "15000.00"}).status_code == 302
    suppliers = [make_org(db_session, kind="supplier") for _ in range(3)]
    for org in suppliers:
        client.post("/center/agreements/GC-2027-01/awards", data={"supplier_id": str(org.id)})

    agreement = _agreement(db_session, "GC-2027-01")
    assert [(lot.code, lot.ceiling_price) for lot in agreement.lots] == [
        ("L1", Decimal("8000.00")), ("L2", Decimal("15000.00"))]
    assert sorted(a.supplier_id for a in agreement.awards) == sorted(o.id for o in suppliers)
    assert agreement.regions == ["CN-BJ", "CN-SH"]

    page = flashed(client, "/center/agreements/GC-2027-01")
    for action in ("agreement.create", "agreement.lot_add", "agreement.award_add"):
        assert action in page  # every change is in the page's history
    assert page.count('data-award="') == 3
    listing = flashed(client, "/center/agreements?q=GC-2027")
    assert 'data-agreement="GC-2027-01"' in listing


def test_a_bad_agreement_form_changes_nothing_and_says_why(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    log_in(client, center.admin)
    client.post("/center/agreements", data={
        "number": "GC-BAD", "title": "x", "starts_on": "2027-02-01", "ends_on": "2027-01-01"})
    assert db_session.scalar(select(Agreement).where(Agreement.number == "GC-BAD")) is None
    assert "end before it starts" in flashed(client, "/center/agreements")
    number = center.agreement.number
    client.post(f"/center/agreements/{number}/lots",
                data={"code": "L9", "category_code": "NOPE"})
    assert [lot.code for lot in _agreement(db_session, number).lots] == ["L1"]


def test_edit_validity_and_lot_ceiling_suspends_offers_above_it(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    number = center.agreement.number
    offer = make_offer(db_session, agreement=center.agreement,
                       supplier=center.supplier.organization, price="6000.00")
    log_in(client, center.admin)
    client.post(f"/center/agreements/{number}/edit", data={
        "title": "Renamed", "starts_on": center.agreement.starts_on.isoformat(),
        "ends_on": "2030-06-30", "regions": "*", "second_stage": "competition"})
    client.post(f"/center/agreements/{number}/lots/L1", data={"ceiling_price": "5000"})

    agreement = _agreement(db_session, number)
    assert (agreement.title, agreement.ends_on.isoformat(), agreement.second_stage) == (
        "Renamed", "2030-06-30", "competition")
    assert agreement.lots[0].ceiling_price == Decimal("5000.00")
    assert db_session.get(Offer, offer.id).status == "suspended"
    actions = set(db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_id.in_([str(agreement.id), str(offer.id)]))))
    assert {"agreement.update", "agreement.lot_update", "offer.suspend"} <= actions


def test_suspending_one_award_hides_only_that_suppliers_offers_under_it(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    from datetime import date

    from mall.catalog.visibility import is_visible

    number = center.agreement.number
    offer = make_offer(db_session, agreement=center.agreement,
                       supplier=center.supplier.organization)
    supplier_id = center.supplier.organization_id
    log_in(client, center.admin)
    before = db_session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()).limit(1))
    client.post(f"/center/agreements/{number}/awards/{supplier_id}/suspend", data={"reason": ""})
    assert db_session.get(AgreementSupplier, (center.agreement.id, supplier_id)).status == "active"

    client.post(f"/center/agreements/{number}/awards/{supplier_id}/suspend",
                data={"reason": "late deliveries"})
    db_session.expire_all()
    award = db_session.get(AgreementSupplier, (center.agreement.id, supplier_id))
    assert (award.status, award.status_reason) == ("suspended", "late deliveries")
    assert not is_visible(db_session.get(Offer, offer.id), date.today())
    events = db_session.scalars(select(OutboxEvent).where(OutboxEvent.id > (before or 0))).all()
    assert [(e.entity_type, e.entity_id) for e in events] == [("agreement", center.agreement.id)]

    client.post(f"/center/agreements/{number}/awards/{supplier_id}/reinstate")
    db_session.expire_all()
    assert is_visible(db_session.get(Offer, offer.id), date.today())
    client.post(f"/center/agreements/{number}/awards/{supplier_id}/remove",
                data={"reason": "contract ended"})
    assert db_session.get(AgreementSupplier, (center.agreement.id, supplier_id)) is None
    page = flashed(client, f"/center/agreements/{number}")
    for action in ("agreement.award_suspend", "agreement.award_reinstate",
                   "agreement.award_remove", "late deliveries"):
        assert action in page


def test_item_ceilings_upload_saves_all_rows_or_lists_each_rows_problem(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    number = center.agreement.number
    sid = center.supplier.organization_id
    outsider = make_org(db_session, kind="supplier")
    log_in(client, center.admin)
    bad = (f"supplier_id,sku,ceiling_price\n{sid},SKU-A,100.00\n{sid},SKU-B,-3\n"
           f"{outsider.id},SKU-C,50\nx,SKU-D,1\n").encode()
    client.post(f"/center/agreements/{number}/ceilings",
                data={"file": (io.BytesIO(bad), "ceilings.csv")},
                content_type="multipart/form-data")
    page = flashed(client, f"/center/agreements/{number}")
    assert "row 3" in page and "row 4" in page and "row 5" in page
    assert db_session.scalars(select(ItemCeiling)).all() == []

    good = f"supplier_id,sku,ceiling_price\n{sid},SKU-A,100.00\n{sid},SKU-B,250.5\n".encode()
    client.post(f"/center/agreements/{number}/ceilings",
                data={"file": (io.BytesIO(good), "ceilings.csv")},
                content_type="multipart/form-data")
    saved = {(c.sku, c.ceiling_price) for c in db_session.scalars(select(ItemCeiling))}
    assert saved == {("SKU-A", Decimal("100.00")), ("SKU-B", Decimal("250.50"))}
    page = flashed(client, f"/center/agreements/{number}")
    assert f'data-ceiling="{sid}/SKU-B"' in page and "agreement.ceiling" in page


def test_the_auditor_reads_agreements_but_changes_nothing(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    number = center.agreement.number
    log_in(client, center.auditor)
    page = flashed(client, f"/center/agreements/{number}")
    assert number in page and 'id="agreement-edit"' not in page and 'id="lot-add"' not in page
    assert client.get("/center/agreements").status_code == 200
    assert client.get("/center/").location.endswith("/center/agreements")
    for path, data in ((f"/center/agreements/{number}/edit", {"title": "x"}),
                       (f"/center/agreements/{number}/suspend", {"reason": "x"}),
                       (f"/center/agreements/{number}/lots", {"code": "L5"}),
                       ("/center/agreements", {"number": "GC-A"})):
        assert client.post(path, data=data).status_code == 403
    assert _agreement(db_session, number).title != "x"


def test_suppliers_and_buyers_get_403_on_agreement_pages(
        client: FlaskClient, center: Center) -> None:
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        assert client.get("/center/agreements").status_code == 403
        assert client.get(f"/center/agreements/{center.agreement.number}").status_code == 403
        assert client.post(f"/center/agreements/{center.agreement.number}/edit",
                           data={"title": "x"}).status_code == 403
        client.post("/logout")


def test_a_supplier_whose_award_is_suspended_is_not_invited_to_competitions(
        db_session: Session, app: Flask) -> None:
    from mall.catalog.services.agreement_admin import set_award_status
    from mall.orders.services.facts import eligible_competitors
    from tests.factories.accounts import center_admin
    from tests.orders.conftest import build_world

    world = build_world(db_session, app, suppliers=4)
    assert eligible_competitors(db_session, world.offers) == sorted(
        s.id for s in world.suppliers)
    set_award_status(db_session, center_admin(db_session), world.agreement,
                     world.suppliers[3].id, "suspended", "under investigation")
    assert eligible_competitors(db_session, world.offers) == sorted(
        s.id for s in world.suppliers[:3])
