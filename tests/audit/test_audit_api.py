"""GET /api/v1/audit: the center and auditors read the trail, filtered and paginated."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.audit import services as audit
from tests.factories.accounts import auth_headers, buyer, center_admin, make_user


@pytest.mark.smoke
def test_center_reads_events_by_target(client: FlaskClient, app: Flask,
                                       db_session: Session) -> None:
    admin = center_admin(db_session)
    for i in range(3):
        audit.record(db_session, action="order.confirm", target_type="order", target_id=7,
                     actor=admin, before={"status": "placed"}, after={"status": f"s{i}"})
    audit.record(db_session, action="order.ship", target_type="order", target_id=8, actor=admin)
    headers = auth_headers(app, db_session, admin)
    response = client.get("/api/v1/audit?target_type=order&target_id=7&per_page=2",
                          headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 3 and len(body["items"]) == 2 and body["per_page"] == 2
    assert body["items"][0]["after"] == {"status": "s0"}
    assert body["items"][1]["prev_hash"] == body["items"][0]["hash"]


def test_who_may_read_the_trail(client: FlaskClient, app: Flask, db_session: Session) -> None:
    purchaser_buyer = buyer(db_session)
    auditor = make_user(db_session, purchaser_buyer.organization, roles=("auditor",))
    audit.record(db_session, action="requisition.create", target_type="requisition",
                 target_id=1, actor=purchaser_buyer)
    audit.record(db_session, action="requisition.create", target_type="requisition",
                 target_id=2, actor=buyer(db_session))
    assert client.get("/api/v1/audit", headers=auth_headers(
        app, db_session, purchaser_buyer)).status_code == 403
    own = client.get("/api/v1/audit", headers=auth_headers(app, db_session, auditor)).json
    # an agency's auditor sees what its own organization did
    assert [e["target_id"] for e in own["items"]] == ["1"]
    assert client.get("/api/v1/audit").status_code == 401
