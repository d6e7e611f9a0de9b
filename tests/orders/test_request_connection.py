"""What a purchase request leaves on its database connection (real PostgreSQL, real commits).

psycopg prepares a statement on its fifth run on a connection and forgets every prepared
statement when a transaction is rolled back; the pool rolls back each connection it takes
back. A request that commits and then runs nothing more returns its connection idle, the
rollback is a no-op and the decision's statements stay prepared for the next request (about
4 ms of a decision's ~10 ms in the driver is planning, see bench/README.md). A read after
the commit would open a transaction that the pool's rollback ends, and every request would
plan its statements again. The pool hands out the connection returned last (LIFO), so
sequential requests share one connection's prepared statements instead of rotating through
every idle connection of the pool.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from psycopg.pq import TransactionStatus
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from mall.db import db
from tests.orders.conftest import build_world

REQUESTS = 8  # more than psycopg's prepare threshold (5) on one connection


@pytest.fixture
def purchase(app: Flask, committed_db: Engine) -> tuple[dict[str, str], int]:
    if committed_db.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    session = db.session()
    world = build_world(session, app)
    headers = world.headers(world.buyer)
    offer_id = world.offers[0].id
    session.commit()
    db.session.remove()
    return headers, offer_id


def test_purchases_return_their_connection_idle_and_keep_statements_prepared(
        app: Flask, purchase: tuple[dict[str, str], int]) -> None:
    headers, offer_id = purchase
    engine = app.extensions["mall.db"]
    returned: list[Any] = []
    statements: list[str] = []

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        returned.append(dbapi_connection.pgconn.transaction_status)

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine.pool, "checkin", on_checkin)
    event.listen(engine, "before_cursor_execute", on_execute)
    client = app.test_client()
    try:
        for _ in range(REQUESTS):
            answer = client.post("/api/v1/requisitions", headers=headers, json={
                "lines": [{"offer_id": offer_id, "quantity": 1}]})
            assert answer.status_code == 201, answer.json
            assert answer.json["route"] == "direct" and answer.json["approvals"] == []
    finally:
        event.remove(engine.pool, "checkin", on_checkin)
        event.remove(engine, "before_cursor_execute", on_execute)
    assert returned and set(returned) == {TransactionStatus.IDLE}
    # A direct purchase has no approvals or competition: the answer reads neither back.
    assert not [s for s in statements if "FROM approvals" in s or "FROM competitions" in s]
    # The pool holds connections of earlier tests too; LIFO gave every request the same one,
    # and gives it here again.
    with engine.connect() as connection:
        prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar_one() > 0
