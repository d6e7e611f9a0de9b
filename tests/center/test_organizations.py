"""Organizations and users on the center's pages; suspension reaching search via the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from opensearchpy import OpenSearch
from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.sync import drain
from mall.accounts import services as accounts
from mall.accounts.models import Organization, User
from mall.audit.models import AuditEvent
from mall.outbox.services import enqueue
from mall.search.index import index_body
from tests.center.conftest import Center, flashed, log_in
from tests.factories.accounts import make_org, make_user
from tests.factories.catalog import make_offer


@pytest.fixture
def alias(opensearch: OpenSearch) -> Iterator[str]:
    name = f"mall-center-test-{uuid.uuid4().hex[:8]}"
    opensearch.indices.create(index=f"{name}-seed", body=index_body())
    opensearch.indices.put_alias(index=f"{name}-seed", name=name)
    yield name
    opensearch.indices.delete(index=f"{name}-*", ignore_unavailable=True)


def _indexed(opensearch: OpenSearch, alias: str) -> set[int]:
    opensearch.indices.refresh(index=alias)
    hits = opensearch.search(index=alias, body={"query": {"match_all": {}}, "size": 100})
    return {int(h["_id"]) for h in hits["hits"]["hits"]}


def test_suspending_a_supplier_takes_its_offers_out_of_search_and_says_so(
        client: FlaskClient, db_session: Session, opensearch: OpenSearch, alias: str,
        center: Center) -> None:
    supplier = center.supplier.organization
    offers = [make_offer(db_session, agreement=center.agreement, supplier=supplier)
              for _ in range(2)]
    enqueue(db_session, "offer", [o.id for o in offers], "created")
    db_session.commit()
    drain(opensearch, db_session, alias, date.today())
    assert _indexed(opensearch, alias) == {o.id for o in offers}

    log_in(client, center.admin)
    client.post(f"/center/organizations/{supplier.id}/status",
                data={"status": "suspended", "reason": ""})
    db_session.expire_all()
    assert db_session.get(Organization, supplier.id).status == "active"  # a reason is needed
    client.post(f"/center/organizations/{supplier.id}/status",
                data={"status": "suspended", "reason": "fake certificates",
                      "until": "2030-01-31"})
    page = flashed(client, f"/center/organizations/{supplier.id}")
    assert "within seconds" in page and 'data-sync="pending"' in page
    db_session.expire_all()
    org = db_session.get(Organization, supplier.id)
    assert (org.status, org.status_reason, org.status_until) == (
        "suspended", "fake certificates", date(2030, 1, 31))

    drain(opensearch, db_session, alias, date.today())  # what the indexer worker runs
    assert _indexed(opensearch, alias) == set()
    assert 'data-sync="done"' in flashed(client, f"/center/organizations/{supplier.id}")
    assert "fake certificates" in flashed(client, f"/center/organizations/{supplier.id}")


def test_a_suspension_that_ended_lifts_by_itself_and_the_offers_return_to_search(
        db_session: Session, opensearch: OpenSearch, alias: str, center: Center,
        app: Flask) -> None:
    from mall.jobs.worker import Worker, _lift_suspensions

    today = date.today()
    supplier = center.supplier.organization
    offers = [make_offer(db_session, agreement=center.agreement, supplier=supplier)
              for _ in range(2)]
    enqueue(db_session, "offer", [o.id for o in offers], "created")
    ongoing = make_org(db_session, kind="supplier")  # suspended through today: stays
    debarred = make_org(db_session, kind="supplier")  # a debarment never lifts by itself
    for org, status, until in ((supplier, "suspended", today - timedelta(days=1)),
                               (ongoing, "suspended", today),
                               (debarred, "debarred", today - timedelta(days=1))):
        accounts.update_organization(db_session, center.admin, org, {
            "status": status, "reason": "late deliveries", "status_reason": "late deliveries",
            "status_until": until})
    db_session.commit()
    drain(opensearch, db_session, alias, today)
    assert _indexed(opensearch, alias) == set()

    worker = Worker(app)
    assert "lift-suspensions" in {task.name for task in worker.schedule()}
    assert _lift_suspensions(worker, db_session) == "lifted 1 suspensions"
    assert _lift_suspensions(worker, db_session) == "lifted 0 suspensions"
    db_session.expire_all()
    assert [(o.status, o.status_until) for o in (supplier, ongoing, debarred)] == [
        ("active", None), ("suspended", today), ("debarred", today - timedelta(days=1))]
    assert supplier.status_reason is None
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "organization", AuditEvent.target_id == str(supplier.id))
        .order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.actor_user_id, event.reason) == (
        "organization.update", None, "suspension ended")
    drain(opensearch, db_session, alias, today)  # what the worker runs next round
    assert _indexed(opensearch, alias) == {o.id for o in offers}


def test_purchaser_limits_addresses_and_jurisdiction_are_saved_and_audited(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    purchaser = center.buyer.organization
    log_in(client, center.admin)
    client.post(f"/center/organizations/{purchaser.id}/edit", data={
        "contact_email": "office@agency.example", "one_approver_above": "5000",
        "collective_above": "50000", "collective_approvers": "3",
        "jurisdiction": "us-federal", "delivery_addresses": "1 Main St\n\n2 Side St\n"})
    db_session.expire_all()
    org = db_session.get(Organization, purchaser.id)
    assert (org.approval_one_approver_above, org.approval_collective_above,
            org.approval_collective_approvers, org.jurisdiction, org.delivery_addresses,
            org.contact_email) == (Decimal("5000.00"), Decimal("50000.00"), 3, "us-federal",
                                   ["1 Main St", "2 Side St"], "office@agency.example")
    client.post(f"/center/organizations/{purchaser.id}/edit",
                data={"collective_approvers": "1", "jurisdiction": "mars"})
    db_session.expire_all()
    assert db_session.get(Organization, purchaser.id).approval_collective_approvers == 3
    page = flashed(client, f"/center/organizations/{purchaser.id}")
    assert "organization.update" in page and "2 Side St" in page


def test_supplier_size_users_and_roles(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    purchaser = center.buyer.organization
    log_in(client, center.admin)
    client.post(f"/center/organizations/{center.supplier.organization_id}/edit",
                data={"size": "medium", "contact_phone": "010-1234"})
    db_session.expire_all()
    assert db_session.get(Organization, center.supplier.organization_id).size == "medium"

    client.post(f"/center/organizations/{purchaser.id}/users", data={
        "name": "New Approver", "email": "new.approver@agency.example",
        "password": "Correct-Horse-Battery-9", "roles": ["approver"]})
    created = db_session.scalar(select(User).where(User.email == "new.approver@agency.example"))
    assert created is not None and created.roles == {"approver"}
    client.post(f"/center/users/{created.id}/roles", data={"roles": ["approver", "auditor"]})
    client.post(f"/center/users/{created.id}/roles", data={"roles": ["center_admin"]})
    db_session.expire_all()
    assert db_session.get(User, created.id).roles == {"approver", "auditor"}
    client.post(f"/center/users/{created.id}/deactivate", data={"reason": "left"})
    db_session.expire_all()
    assert db_session.get(User, created.id).active is False
    actions = set(db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "user", AuditEvent.target_id == str(created.id))))
    assert actions == {"user.create", "user.roles", "user.deactivate"}
    assert "user.deactivate" in flashed(client, f"/center/organizations/{purchaser.id}")


def test_the_auditor_reads_organizations_and_nobody_else_writes(
        client: FlaskClient, db_session: Session, center: Center) -> None:
    supplier = center.supplier.organization
    other = make_user(db_session, center.buyer.organization, roles=("buyer",))
    log_in(client, center.auditor)
    assert client.get("/center/organizations?kind=supplier").status_code == 200
    page = flashed(client, f"/center/organizations/{supplier.id}")
    assert supplier.name in page and 'id="organization-status"' not in page
    for path, data in ((f"/center/organizations/{supplier.id}/status",
                        {"status": "debarred", "reason": "x"}),
                       (f"/center/organizations/{supplier.id}/edit", {"size": "large"}),
                       (f"/center/users/{other.id}/deactivate", {}),
                       ("/center/organizations", {"name": "X", "kind": "supplier"})):
        assert client.post(path, data=data).status_code == 403
    client.post("/logout")
    for user in (center.supplier, center.buyer):
        log_in(client, user)
        assert client.get("/center/organizations").status_code == 403
        assert client.post(f"/center/users/{other.id}/deactivate").status_code == 403
        client.post("/logout")
    db_session.expire_all()
    assert db_session.get(Organization, supplier.id).status == "active"
    assert db_session.get(User, other.id).active
