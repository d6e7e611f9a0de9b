"""The one lock order (``mall.locks``): formerly inverted paths now run side by side, and a
deadlock victim is retried, then answered 409 ``conflict_retry``, never 503."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from mall import create_app
from mall.accounts.models import Organization, User
from mall.accounts.permissions import api_guard, public
from mall.catalog.feeds.applying import import_feed
from mall.catalog.models import Offer, PriceChange, PriceChangeStatus
from mall.catalog.services import offers, prices
from mall.config import Config
from mall.db import db
from mall.errors import ConflictRetry, is_transient_conflict
from mall.locks import run_with_retry
from tests.factories.accounts import center_admin, supplier_admin
from tests.factories.catalog import make_agreement, make_offer

# How long the first writer holds its first lock before going on. Long enough for the other
# writer to take its own first lock if the order allowed it; a deadlock is then certain with
# inverted orders. The assertions are about outcomes, never about time.
HOLD_SECONDS = 0.6


def _pending_rise(session: Session) -> tuple[int, int, int, str, int]:
    """An offer at 100.00 with a rise to 150.00 held for review; committed."""
    supplier = supplier_admin(session)
    center = center_admin(session)
    agreement = make_agreement(session, suppliers=[supplier.organization])
    offer = make_offer(session, agreement, supplier.organization, price=Decimal("100.00"))
    session.commit()
    result = offers.patch_offer(session, supplier.organization, supplier, offer.sku,
                                {"price": Decimal("150.00")})
    assert result.price_in_review
    session.commit()
    change_id = session.scalar(select(PriceChange.id).where(
        PriceChange.offer_id == offer.id,
        PriceChange.status == PriceChangeStatus.pending_review))
    assert change_id is not None
    return supplier.id, center.id, offer.id, offer.sku, change_id


def _hold_first_lock(engine: Engine, thread_name: str,
                     taken: threading.Event) -> Callable[..., None]:
    """After ``thread_name`` runs its first FOR UPDATE, signal ``taken`` and keep the lock."""
    done = threading.Event()

    def after_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (threading.current_thread().name == thread_name and "FOR UPDATE" in statement
                and not done.is_set()):
            done.set()
            taken.set()
            time.sleep(HOLD_SECONDS)

    event.listen(engine, "after_cursor_execute", after_execute)
    return after_execute


def _run(app: Flask, name: str, work: Callable[[Session], None],
         errors: list[BaseException]) -> threading.Thread:
    def body() -> None:
        try:
            with app.app_context():
                session = db.session()
                work(session)
                session.commit()
                db.session.remove()
        except BaseException as exc:  # reported by the test; a thread must not die silently
            errors.append(exc)

    thread = threading.Thread(target=body, name=name)
    thread.start()
    return thread


@pytest.mark.postgres_only
@pytest.mark.parametrize("writer", ["patch", "feed"])
def test_a_price_review_and_a_supplier_write_on_the_same_offer_do_not_deadlock(
        app: Flask, committed_db: Engine, writer: str) -> None:
    """The review used to lock the price change, then the offer; PATCH and feeds lock the
    offer, then close the pending change. Run head to head, both must now succeed."""
    session = db.session()
    supplier_id, center_id, offer_id, sku, change_id = _pending_rise(session)
    db.session.remove()

    taken = threading.Event()
    engine = app.extensions["mall.db"]  # the engine the app's sessions use
    listener = _hold_first_lock(engine, "reviewer", taken)
    errors: list[BaseException] = []
    try:
        def review(own: Session) -> None:
            prices.approve_price(own, own.get(User, center_id), change_id, "market moved")

        def supplier_write(own: Session) -> None:
            user = own.get(User, supplier_id)
            organization = own.get(Organization, user.organization_id)
            if writer == "patch":
                offers.patch_offer(own, organization, user, sku, {"price": Decimal("90.00")})
                return
            row = {**offers.offer_fields(own.get(Offer, offer_id)), "sku": sku,
                   "price": "90.00"}
            body = io.BytesIO((json.dumps(row, default=str) + "\n").encode())
            report = import_feed(own, organization, user, body, "application/x-ndjson")
            assert (report.rows_ok, report.rows_rejected) == (1, 0), report.errors

        reviewer = _run(app, "reviewer", review, errors)
        assert taken.wait(timeout=30)
        other = _run(app, "supplier", supplier_write, errors)
        reviewer.join(timeout=60)
        other.join(timeout=60)
    finally:
        event.remove(engine, "after_cursor_execute", listener)

    assert errors == []
    with app.app_context():
        own = db.session()
        offer = own.get(Offer, offer_id)
        change = own.get(PriceChange, change_id)
        # The review went first (it held the offer); the supplier's cut came after it.
        assert change.status == PriceChangeStatus.applied
        assert offer.price == Decimal("90.00") and offer.pending_price is None


def _real_deadlock(engine: Engine) -> OperationalError:
    """Two connections taking two advisory locks in opposite orders: PostgreSQL's victim."""
    first, second = engine.connect(), engine.connect()
    caught: list[BaseException] = []
    try:
        first.execute(text("SELECT pg_advisory_xact_lock(91001)"))
        second.execute(text("SELECT pg_advisory_xact_lock(91002)"))

        def cross() -> None:
            try:
                first.execute(text("SELECT pg_advisory_xact_lock(91002)"))
            except BaseException as exc:
                caught.append(exc)
                first.rollback()

        thread = threading.Thread(target=cross)
        thread.start()
        time.sleep(0.2)  # let the first connection queue for the second lock
        try:
            second.execute(text("SELECT pg_advisory_xact_lock(91001)"))
        except BaseException as exc:
            caught.append(exc)
            second.rollback()
        thread.join(timeout=30)
    finally:
        first.rollback()
        second.rollback()
        first.close()
        second.close()
    victims = [e for e in caught if isinstance(e, OperationalError)]
    assert len(victims) == 1, caught
    return victims[0]


@pytest.fixture(scope="module")
def deadlock(db_engine: Engine) -> OperationalError:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's deadlock detector")
    return _real_deadlock(db_engine)


@pytest.mark.postgres_only
def test_a_deadlock_victim_is_recognised_and_run_again(deadlock: OperationalError) -> None:
    assert is_transient_conflict(deadlock)
    assert not is_transient_conflict(IntegrityError("INSERT", {}, Exception("unique")))
    rollbacks: list[int] = []
    attempts = iter([deadlock, deadlock, None])

    def work() -> str:
        failure = next(attempts)
        if failure is not None:
            raise failure
        return "saved"

    assert run_with_retry(work, lambda: rollbacks.append(1)) == "saved"
    assert len(rollbacks) == 2


@pytest.mark.postgres_only
def test_a_deadlock_that_keeps_happening_is_a_409_not_a_503(deadlock: OperationalError) -> None:
    def work() -> None:
        raise deadlock

    with pytest.raises(ConflictRetry) as caught:
        run_with_retry(work, lambda: None, attempts=3)
    assert (caught.value.status, caught.value.code) == (409, "conflict_retry")

    def other_error() -> None:
        raise IntegrityError("INSERT", {}, Exception("unique"))

    with pytest.raises(IntegrityError):  # not a race: never retried, never hidden
        run_with_retry(other_error, lambda: None)


@pytest.fixture
def racing_app(base_config: Config,
               deadlock: OperationalError) -> Iterator[tuple[Flask, list[int]]]:
    """An app with two extra routes that lose a real deadlock every time they run."""
    app = create_app(base_config)
    app.config["WTF_CSRF_ENABLED"] = False  # bearer-token API only; as the suite's app
    calls: list[int] = []

    @app.post("/api/v1/test/guarded-race")
    @api_guard()
    def guarded(user: User) -> Any:
        calls.append(1)
        raise deadlock

    @app.post("/api/v1/test/unguarded-race")
    @public
    def unguarded() -> Any:
        raise deadlock

    yield app, calls


@pytest.mark.postgres_only
def test_a_request_that_loses_every_race_is_answered_409(
        racing_app: tuple[Flask, list[int]], db_session: Session) -> None:
    from mall.accounts.services import issue_token

    app, calls = racing_app
    user = center_admin(db_session)
    token = issue_token(db_session, app.config["MALL"], user).token
    client = app.test_client()
    guarded = client.post("/api/v1/test/guarded-race", json={"n": 1},
                          headers={"Authorization": f"Bearer {token}"})
    assert guarded.status_code == 409, guarded.json
    assert guarded.json["error"]["code"] == "conflict_retry"
    assert len(calls) == 3  # retried twice before giving up
    unguarded = client.post("/api/v1/test/unguarded-race", json={})
    assert unguarded.status_code == 409
    assert unguarded.json["error"]["code"] == "conflict_retry"
