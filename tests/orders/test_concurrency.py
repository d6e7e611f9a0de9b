"""Concurrent requisitions cannot together slip past a cumulative limit (PostgreSQL locks)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.db import db
from mall.orders.models import Requisition
from mall.orders.services import requisitions
from tests.concurrency import run_together
from tests.orders.conftest import build_world


@pytest.mark.postgres_only
def test_twenty_concurrent_requisitions_against_one_limit(app: Flask,
                                                          committed_db: Engine) -> None:
    session = db.session()
    world = build_world(session, app)
    session.commit()
    buyer_id, offer_id = world.buyer.id, world.offers[0].id
    settings = world.settings
    db.session.remove()

    def submit(own: Session) -> None:
        user = own.get(User, buyer_id)
        # 100,000 each against the 1,000,000 cn-central limit: exactly ten fit.
        requisitions.create_requisition(own, settings, user, [(offer_id, 100_000)])
        own.commit()

    run_together(app, [submit] * 20)

    with app.app_context():
        rows = db.session().scalars(select(Requisition).order_by(Requisition.id)).all()
        assert len(rows) == 20
        passed = [r for r in rows if r.route != "blocked"]
        blocked = [r for r in rows if r.route == "blocked"]
        assert len(passed) == 10 and len(blocked) == 10
        assert sum((r.total for r in passed), Decimal("0")) == Decimal("1000000.00")
        # Serialised by the lock, the first two are direct and the next eight compete.
        assert sorted(r.route for r in passed).count("direct") == 2


@pytest.mark.postgres_only
def test_concurrent_replays_of_one_idempotency_key_create_one_requisition(
        app: Flask, committed_db: Engine) -> None:
    from tests.factories.accounts import auth_headers

    session = db.session()
    world = build_world(session, app)
    headers = {**auth_headers(app, session, world.buyer), "Idempotency-Key": "same-key"}
    session.commit()
    body = {"lines": [{"offer_id": world.offers[0].id, "quantity": 2}]}
    db.session.remove()

    def submit(_own: Session) -> tuple[int, dict]:
        response = app.test_client().post("/api/v1/requisitions", json=body, headers=headers)
        return response.status_code, response.json

    responses = run_together(app, [submit] * 6)
    assert {status for status, _ in responses} == {201}
    assert len({payload["id"] for _, payload in responses}) == 1
    with app.app_context():
        assert len(db.session().scalars(select(Requisition)).all()) == 1


@pytest.mark.postgres_only
def test_multi_category_requisitions_in_opposite_orders_do_not_deadlock(
        app: Flask, committed_db: Engine) -> None:
    session = db.session()
    world = build_world(session, app)
    _, second = world.add_category()
    session.commit()
    buyer_id, first_id, second_id = world.buyer.id, world.offers[0].id, second.id
    settings = world.settings
    db.session.remove()

    def submit(index: int) -> Callable[[Session], None]:
        def job(own: Session) -> None:
            user = own.get(User, buyer_id)
            lines = [(first_id, 1), (second_id, 1)]
            requisitions.create_requisition(own, settings, user,
                                            lines[::-1] if index % 2 else lines)
            own.commit()
        return job

    run_together(app, [submit(i) for i in range(10)])
    with app.app_context():
        assert len(db.session().scalars(select(Requisition)).all()) == 10
