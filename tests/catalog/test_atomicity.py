"""The offer change, its outbox row and its audit event commit together or not at all."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.catalog.models import Offer
from mall.catalog.services import offers
from mall.db import transaction
from mall.outbox.models import OutboxEvent
from tests.factories.accounts import supplier_admin
from tests.factories.catalog import make_agreement, make_offer


@pytest.mark.postgres_only
def test_failure_after_the_write_leaves_neither_change_nor_outbox(committed_db: Engine) -> None:
    with Session(committed_db) as session:
        supplier = supplier_admin(session)
        agreement = make_agreement(session, suppliers=[supplier.organization])
        offer = make_offer(session, agreement, supplier.organization, stock=10)
        session.commit()
        offer_id, org_id = offer.id, supplier.organization_id

    statements: list[str] = []

    def _seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split("(")[0].strip())

    # A real failure, not a mock: the audit row names a user that does not exist, so
    # PostgreSQL's foreign key refuses it after the offer and outbox rows were written.
    ghost = SimpleNamespace(id=987_654_321, organization_id=org_id)
    event.listen(committed_db, "before_cursor_execute", _seen)
    try:
        with Session(committed_db) as session, pytest.raises(IntegrityError):  # noqa: SIM117
            with transaction(session):
                org = session.get(type(supplier.organization), org_id)
                offers.patch_offer(session, org, ghost, offer.sku,  # type: ignore[arg-type]
                                     {"stock": 3})
    finally:
        event.remove(committed_db, "before_cursor_execute", _seen)
    assert any(s.startswith("UPDATE offers") for s in statements)
    assert any(s.startswith("INSERT INTO outbox_events") for s in statements)
    assert any(s.startswith("INSERT INTO audit_events") for s in statements)

    with Session(committed_db) as session:
        stored = session.get(Offer, offer_id)
        assert (stored.stock, stored.version) == (10, 1)
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
