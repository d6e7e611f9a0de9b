from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from mall.audit import services as audit
from tests.factories.accounts import center_admin


@pytest.mark.smoke
def test_chain_verifies_and_detects_an_edited_or_deleted_row(db_session: Session) -> None:
    actor = center_admin(db_session)
    events = [audit.record(db_session, action="thing.update", target_type="thing",
                           target_id=i, actor=actor, before={"v": i}, after={"v": i + 1})
              for i in range(4)]
    assert list(audit.verify_chain(db_session)) == []
    assert events[1].prev_hash == events[0].hash

    db_session.execute(text("UPDATE audit_events SET after = :v WHERE id = :id"),
                       {"v": '{"v": 99}', "id": events[2].id})
    db_session.expire_all()
    breaks = list(audit.verify_chain(db_session))
    assert [b.event_id for b in breaks] == [events[2].id]
    assert "edited" in breaks[0].problem

    db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    db_session.expire_all()
    breaks = list(audit.verify_chain(db_session))
    assert events[2].id in [b.event_id for b in breaks]
    assert any("deleted" in b.problem for b in breaks)
