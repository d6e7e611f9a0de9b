"""`mall audit verify` over real committed rows: intact, then an edited row exits 1."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine, select, text

from mall.audit import services as audit
from mall.audit.models import AuditEvent
from mall.db import db
from tests.factories.accounts import center_admin


@pytest.mark.smoke
def test_verify_command_catches_an_edited_row(app: Flask, committed_db: Engine) -> None:
    session = db.session()
    actor = center_admin(session)
    for i in range(3):
        audit.record(session, action="requisition.approve", target_type="requisition",
                     target_id=i, actor=actor, after={"status": "ordered"})
    session.commit()
    target = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
    db.session.remove()

    runner = app.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output
    db.session.remove()  # as a fresh `mall` process would: nothing cached from the first run

    with committed_db.begin() as connection:
        connection.execute(text("UPDATE audit_events SET reason = 'quietly changed' "
                                "WHERE id = :id"), {"id": target})
    edited = runner.invoke(args=["audit", "verify"])
    assert edited.exit_code == 1
    assert f"event {target}" in edited.output and "edited" in edited.output
