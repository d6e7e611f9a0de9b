"""Concurrent requisitions cannot together slip past a cumulative limit (PostgreSQL locks)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import Engine, select

from mall.accounts.models import User
from mall.db import db
from mall.orders.models import Requisition
from mall.orders.services import requisitions
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

    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with app.app_context():
                own = db.session()
                user = own.get(User, buyer_id)
                barrier.wait(timeout=30)
                # 100,000 each against the 1,000,000 cn-central limit: exactly ten fit.
                requisitions.create_requisition(own, settings, user, [(offer_id, 100_000)])
                own.commit()
                db.session.remove()
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

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

    barrier = threading.Barrier(6)
    responses: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            response = client.post("/api/v1/requisitions", json=body, headers=headers)
            responses.append((response.status_code, response.json))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
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
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            with app.app_context():
                own = db.session()
                user = own.get(User, buyer_id)
                lines = [(first_id, 1), (second_id, 1)]
                barrier.wait(timeout=30)
                requisitions.create_requisition(own, settings, user,
                                                lines[::-1] if index % 2 else lines)
                own.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        assert len(db.session().scalars(select(Requisition)).all()) == 10
