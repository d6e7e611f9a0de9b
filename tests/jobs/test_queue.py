"""The job queue and the periodic schedule: one winner per claim, leases, retries, pruning."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mall.accounts.models import ApiToken, LoginAttempt
from mall.db import db, utcnow
from mall.idempotency import IdempotencyKey
from mall.jobs import services as jobs
from mall.jobs.models import Job, JobStatus
from mall.jobs.pruning import prune
from mall.outbox.models import OutboxEvent
from mall.outbox.services import enqueue as enqueue_outbox
from tests.factories.accounts import buyer


@pytest.mark.smoke
def test_a_claimed_job_is_not_claimed_again_until_its_lease_runs_out(db_session: Session) -> None:
    job = jobs.enqueue(db_session, "feed_import", {"feed_import_id": 1})
    db_session.commit()
    now = utcnow()
    claimed = jobs.claim(db_session, "w1", timedelta(seconds=30), now=now)
    assert claimed is not None and claimed.id == job.id
    assert (claimed.status, claimed.locked_by, claimed.attempts) == (JobStatus.running, "w1", 1)
    assert jobs.claim(db_session, "w2", now=now + timedelta(seconds=10)) is None
    # w1 died: after its lease another worker takes the job, as a second attempt.
    again = jobs.claim(db_session, "w2", now=now + timedelta(seconds=31))
    assert again is not None and (again.locked_by, again.attempts) == ("w2", 2)
    assert not jobs.heartbeat(db_session, again, "w1")  # the old owner lost it
    assert jobs.heartbeat(db_session, again, "w2")


@pytest.mark.smoke
def test_a_failed_job_waits_longer_each_time_then_fails_for_good(db_session: Session) -> None:
    job = jobs.enqueue(db_session, "feed_import", {}, max_attempts=2)
    db_session.commit()
    claimed = jobs.claim(db_session, "w")
    assert claimed is not None
    jobs.fail(db_session, claimed, "boom")
    assert job.status == JobStatus.queued and job.run_after > utcnow()
    assert jobs.claim(db_session, "w") is None  # not before its backoff
    claimed = jobs.claim(db_session, "w", now=job.run_after + timedelta(seconds=1))
    assert claimed is not None and claimed.attempts == 2
    jobs.fail(db_session, claimed, "boom again")
    assert job.status == JobStatus.failed and job.last_error == "boom again"


@pytest.mark.postgres_only
def test_concurrent_workers_never_win_the_same_job(app: Flask, committed_db: Engine) -> None:
    session = db.session()
    for i in range(30):
        jobs.enqueue(session, "feed_import", {"n": i})
    session.commit()
    db.session.remove()
    won: list[int] = []
    barrier = threading.Barrier(6)

    def work(name: str) -> None:
        with app.app_context():
            own = db.session()
            barrier.wait(timeout=30)
            while (job := jobs.claim(own, name)) is not None:
                won.append(job.id)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(won) == sorted(set(won)) and len(won) == 30


@pytest.mark.smoke
def test_a_periodic_task_runs_once_per_interval(db_session: Session) -> None:
    now = utcnow()
    every = timedelta(minutes=5)
    assert jobs.claim_periodic(db_session, "expire", every, now=now)
    assert not jobs.claim_periodic(db_session, "expire", every, now=now + timedelta(minutes=1))
    assert jobs.claim_periodic(db_session, "expire", every, now=now + timedelta(minutes=6))


@pytest.mark.smoke
def test_pruning_keeps_what_is_still_needed(db_session: Session) -> None:
    now = utcnow()
    user = buyer(db_session)
    db_session.add_all([
        LoginAttempt(email="a@x", address="1", succeeded=False,
                     attempted_at=now - timedelta(days=2)),
        LoginAttempt(email="a@x", address="1", succeeded=False, attempted_at=now),
        ApiToken(user_id=user.id, token_hash="old" * 10, expires_at=now - timedelta(days=8)),
        ApiToken(user_id=user.id, token_hash="new" * 10, expires_at=now + timedelta(days=1)),
        IdempotencyKey(user_id=user.id, key="old", request_hash="h",
                       created_at=now - timedelta(days=31)),
        IdempotencyKey(user_id=user.id, key="new", request_hash="h", created_at=now),
    ])
    enqueue_outbox(db_session, "offer", [1, 2, 3], "test")
    db_session.flush()
    events = db_session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    events[0].processed_at = now - timedelta(days=8)  # done long ago: pruned
    events[1].processed_at = now  # done just now: kept; events[2] pending: never pruned
    old_job = jobs.enqueue(db_session, "feed_import", {})
    old_job.status, old_job.finished_at = JobStatus.completed, now - timedelta(days=31)
    db_session.commit()

    pruned = prune(db_session, now=now)

    assert (pruned.login_attempts, pruned.api_tokens, pruned.idempotency_keys,
            pruned.outbox_events, pruned.jobs) == (1, 1, 1, 1, 1)

    def count(model: type) -> int:
        return db_session.scalar(select(func.count()).select_from(model)) or 0

    assert (count(LoginAttempt), count(ApiToken), count(IdempotencyKey), count(OutboxEvent),
            count(Job)) == (1, 1, 1, 2, 0)
