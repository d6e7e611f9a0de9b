"""The flags page and API: evidence per kind, split catches, resolution, roles."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization
from mall.audit.models import AuditEvent
from mall.orders.models import Flag
from mall.outbox.models import OutboxEvent
from tests.center.conftest import Center, flashed, log_in
from tests.factories.accounts import auth_headers, make_org
from tests.orders.conftest import build_world


def _flags(session: Session, center: Center) -> dict[str, Flag]:
    a, b = center.supplier.organization, make_org(session, kind="supplier")
    flags = {
        "identical_totals": Flag(kind="identical_totals", supplier_ids=sorted([a.id, b.id]),
                                 details={"total": "900.00", "currency": "CNY"}),
        "shared_contact": Flag(kind="shared_contact", supplier_ids=sorted([a.id, b.id]),
                               details={"field": "contact_email", "value": "x@same.example"}),
        "non_first_award": Flag(kind="non_first_award", supplier_ids=[a.id], details={
            "rank": 2, "reason": "faster delivery", "lowest_evaluated_total": "800.00"}),
        "outlier_score": Flag(kind="outlier_score", supplier_ids=[], details={
            "expert_id": 7, "criterion": "quality", "score": "95", "others_median": "40"}),
    }
    session.add_all(flags.values())
    session.flush()
    return flags


def test_the_flags_page_shows_every_kind_with_its_evidence_and_split_catches(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    flags = _flags(db_session, center)
    world = build_world(db_session, app)
    world.requisition((world.offers[0], 150_000))
    caught = world.requisition((world.offers[0], 60_000))
    competition = caught.competition
    assert competition is not None
    on_competition = Flag(kind="identical_totals", competition_id=competition.id,
                          supplier_ids=[s.id for s in world.suppliers[:2]],
                          details={"total": "61000.00"})
    db_session.add(on_competition)
    db_session.flush()
    log_in(client, center.auditor)
    page = flashed(client, "/center/flags")
    for kind, flag in flags.items():
        assert f'data-flag-id="{flag.id}" data-kind="{kind}"' in page
    for evidence in ("x@same.example", "faster delivery", "others_median", "900.00"):
        assert evidence in page
    assert f'data-split-catch="{caught.id}"' in page
    row = page.split(f'data-flag-id="{on_competition.id}"')[1].split("</tr>")[0]
    assert world.purchaser.name in row and world.suppliers[1].name in row
    # the center cannot open the purchaser's competition page: the links go to the trail
    assert (f'href="/center/audit?target_type=competition&amp;target_id={competition.id}"'
            in row)
    assert f'href="/center/audit?target_type=requisition&amp;target_id={caught.id}"' in row
    assert client.get(f"/competitions/{competition.id}").status_code in (403, 404)
    trail = flashed(client, f"/center/audit?target_type=requisition&target_id={caught.id}")
    assert "requisition.create" in trail
    assert 'data-action="resolve"' not in page  # the auditor reads only


def test_dismissing_needs_a_reason_and_is_audited(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    flag = _flags(db_session, center)["outlier_score"]
    log_in(client, center.admin)
    client.post(f"/center/flags/{flag.id}/resolve", data={"resolution": "dismiss", "reason": ""})
    db_session.expire_all()
    assert db_session.get(Flag, flag.id).status == "open"
    client.post(f"/center/flags/{flag.id}/resolve",
                data={"resolution": "dismiss", "reason": "the expert explained the score"})
    db_session.expire_all()
    resolved = db_session.get(Flag, flag.id)
    assert (resolved.status, resolved.resolution, resolved.resolved_by_id) == (
        "dismissed", "dismiss", center.admin.id)
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "flag.resolve", AuditEvent.target_id == str(flag.id)))
    assert event is not None and event.reason == "the expert explained the score"
    page = flashed(client, "/center/flags?status=dismissed")
    assert "the expert explained the score" in page
    again = client.post(f"/center/flags/{flag.id}/resolve",
                        data={"resolution": "refer", "reason": "x"})
    assert again.status_code == 302
    db_session.expire_all()
    assert db_session.get(Flag, flag.id).resolution == "dismiss"


def test_suspending_through_a_flag_suspends_the_supplier_and_reindexes_it(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    flag = _flags(db_session, center)["non_first_award"]
    supplier_id = center.supplier.organization_id
    headers = auth_headers(app, db_session, center.admin)
    response = client.post(f"/api/v1/admin/flags/{flag.id}/resolve", headers=headers,
                           json={"resolution": "suspend", "reason": "rigged award"})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["resolution"]) == ("acted", "suspend")
    db_session.expire_all()
    org = db_session.get(Organization, supplier_id)
    assert org.status == "suspended" and "rigged award" in (org.status_reason or "")
    assert db_session.scalar(select(OutboxEvent).where(
        OutboxEvent.entity_type == "supplier", OutboxEvent.entity_id == supplier_id))


def test_the_resolve_api_refuses_bad_input_and_other_roles(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    flags = _flags(db_session, center)
    admin = auth_headers(app, db_session, center.admin)
    pair = flags["identical_totals"]
    bad = client.post(f"/api/v1/admin/flags/{pair.id}/resolve", headers=admin,
                      json={"resolution": "debar", "reason": "cartel"})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "flag_resolution_refused"
    invalid = client.post(f"/api/v1/admin/flags/{pair.id}/resolve", headers=admin,
                          json={"resolution": "explode", "reason": "x"})
    assert invalid.status_code == 400
    assert client.post("/api/v1/admin/flags/999999/resolve", headers=admin,
                       json={"resolution": "refer", "reason": "x"}).status_code == 404
    for user in (center.auditor, center.supplier, center.buyer):
        response = client.post(f"/api/v1/admin/flags/{pair.id}/resolve",
                               headers=auth_headers(app, db_session, user),
                               json={"resolution": "refer", "reason": "x"})
        assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Flag, pair.id).status == "open"
    ok = client.post(f"/api/v1/admin/flags/{pair.id}/resolve", headers=admin, json={
        "resolution": "debar", "reason": "cartel", "organization_id": pair.supplier_ids[1]})
    assert ok.status_code == 200
    assert db_session.get(Organization, pair.supplier_ids[1]).status == "debarred"
    listed = client.get("/api/v1/admin/flags?status=acted", headers=admin).json
    assert [f["id"] for f in listed["items"]] == [pair.id]


def test_suppliers_and_buyers_get_403_on_the_flags_page(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    flag = _flags(db_session, center)["outlier_score"]
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        assert client.get("/center/flags").status_code == 403
        assert client.post(f"/center/flags/{flag.id}/resolve",
                           data={"resolution": "dismiss", "reason": "x"}).status_code == 403
        client.post("/logout")
    log_in(client, center.auditor)
    assert client.post(f"/center/flags/{flag.id}/resolve",
                       data={"resolution": "dismiss", "reason": "x"}).status_code == 403
