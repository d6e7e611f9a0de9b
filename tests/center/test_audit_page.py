"""The audit trail page: filters, links to targets, the verify button, CSV export, roles."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from tests.center.conftest import Center, flashed, log_in


def _changes(client: FlaskClient, center: Center) -> None:
    number = center.agreement.number
    client.post(f"/center/agreements/{number}/edit", data={"title": "Audited title"})
    client.post(f"/center/organizations/{center.buyer.organization_id}/edit",
                data={"contact_phone": "010-5555"})


def test_filters_and_links_to_targets(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    log_in(client, center.admin)
    _changes(client, center)
    page = flashed(client, f"/center/audit?who={center.admin.email}")
    assert "agreement.update" in page and "organization.update" in page
    assert f'href="/center/agreements/{center.agreement.number}"' in page
    assert f'href="/center/organizations/{center.buyer.organization_id}"' in page

    only = flashed(client, "/center/audit?action=agreement.")
    assert "agreement.update" in only and "organization.update" not in only
    by_target = flashed(client, f"/center/audit?target_type=organization"
                                f"&target_id={center.buyer.organization_id}")
    assert "organization.update" in by_target and "agreement.update" not in by_target
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert "No events match." in flashed(client, f"/center/audit?from={tomorrow}")
    assert "not a date" in flashed(client, "/center/audit?from=yesterday")
    assert "No events match." in flashed(client, "/center/audit?who=nobody@nowhere.example")


def test_csv_export_follows_the_filters(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    log_in(client, center.auditor)
    client.post("/logout")
    log_in(client, center.admin)
    _changes(client, center)
    response = client.get("/center/audit.csv?action=agreement.")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and {r["action"] for r in rows} == {"agreement.update"}
    assert "Audited title" in rows[0]["after"]
    assert rows[0]["hash"] == db_session.scalar(
        select(AuditEvent.hash).where(AuditEvent.id == int(rows[0]["id"])))


def test_the_verify_button_reports_an_intact_then_a_tampered_chain(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    log_in(client, center.admin)
    _changes(client, center)
    client.post("/logout")
    log_in(client, center.auditor)  # verifying changes nothing: auditors may run it
    assert client.post("/center/audit/verify").status_code == 302
    assert "Audit chain intact" in flashed(client, "/center/audit")
    last = db_session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    db_session.execute(text("UPDATE audit_events SET reason = 'forged' WHERE id = :id"),
                       {"id": last})
    client.post("/center/audit/verify")
    page = flashed(client, "/center/audit")
    assert "broken" in page and f"event {last}" in page


def test_suppliers_and_buyers_get_403_on_the_audit_pages(
        client: FlaskClient, center: Center) -> None:
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        for path in ("/center/audit", "/center/audit.csv"):
            assert client.get(path).status_code == 403
        assert client.post("/center/audit/verify").status_code == 403
        client.post("/logout")
