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


def test_several_events_in_one_transaction_read_the_chain_head_once(
        db_session: Session) -> None:
    from sqlalchemy import event as sa_event

    heads: list[str] = []

    def note(_c, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "FROM audit_events ORDER BY audit_events.id DESC" in " ".join(statement.split()):
            heads.append(statement)

    sa_event.listen(db_session.get_bind(), "before_cursor_execute", note)
    try:
        for n in range(3):
            audit.record(db_session, action="test.many", target_type="test", target_id=n)
    finally:
        sa_event.remove(db_session.get_bind(), "before_cursor_execute", note)
    assert len(heads) == 1
    db_session.commit()
    assert list(audit.verify_chain(db_session)) == []


def test_an_event_rolled_back_with_its_savepoint_never_becomes_the_head(
        db_session: Session) -> None:
    audit.record(db_session, action="test.kept", target_type="test", target_id=1)
    savepoint = db_session.begin_nested()
    audit.record(db_session, action="test.undone", target_type="test", target_id=2)
    savepoint.rollback()
    audit.record(db_session, action="test.after", target_type="test", target_id=3)
    db_session.commit()
    assert list(audit.verify_chain(db_session)) == []
