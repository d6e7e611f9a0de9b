"""The job queue: enqueue in the caller's transaction, claim with a lease, finish or retry.

A claim is one conditional UPDATE (``status`` still runnable), so two workers can never both
win a job, on PostgreSQL (where candidates are also read ``FOR UPDATE SKIP LOCKED`` so
workers on several hosts do not queue behind each other) and on SQLite alike. A running job
holds a lease that its worker renews (``heartbeat``); when a worker dies, its lease runs out
and the next claim takes the job again, which resumes from what it had committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.jobs.models import Job, JobStatus

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)
# A failed attempt waits this long times 2^(attempt - 1) before the next one, capped.
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)


def enqueue(session: Session, kind: str, payload: dict[str, Any],
            run_after: datetime | None = None, max_attempts: int = 5) -> Job:
    """Queue a job in the caller's transaction: it exists exactly when the caller commits."""
    job = Job(kind=kind, payload=payload, status=JobStatus.queued,
              run_after=run_after or utcnow(), max_attempts=max_attempts, attempts=0)
    session.add(job)
    session.flush()
    return job


def _runnable(now: datetime) -> Any:
    return or_(
        and_(Job.status == JobStatus.queued, Job.run_after <= now),
        # A running job whose worker stopped renewing its lease: that worker is gone.
        and_(Job.status == JobStatus.running, Job.locked_until < now),
    )


def claim_rows(session: Session, model: Any, due: Any, order_by: Sequence[Any],
               values: dict[str, Any], limit: int, want: int | None = None) -> list[Any]:
    """Claim due rows of ``model`` for this caller: the ids of those it won.

    Up to ``limit`` candidates are read (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
    workers do not queue behind each other); each is taken by one UPDATE that checks
    ``due`` again, so two callers never both win a row, on SQLite too. Stops after ``want``
    wins. The caller commits (or rolls back when nothing was won).
    """
    query = select(model.id).where(due).order_by(*order_by).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    won: list[Any] = []
    for row_id in list(session.scalars(query)):
        claimed = session.execute(
            update(model).where(model.id == row_id, due).values(**values)
            .execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) == 1:
            won.append(row_id)
            if want is not None and len(won) >= want:
                break
    return won


def claim(session: Session, worker: str, lease: timedelta = DEFAULT_LEASE,
          kinds: tuple[str, ...] | None = None, now: datetime | None = None) -> Job | None:
    """Take the oldest runnable job for ``worker`` and commit the claim; None when idle."""
    now = now or utcnow()
    due = _runnable(now) if not kinds else and_(_runnable(now), Job.kind.in_(kinds))
    won = claim_rows(session, Job, due, [Job.id],
                     dict(status=JobStatus.running, locked_by=worker, locked_until=now + lease,
                          attempts=Job.attempts + 1, started_at=now), limit=5, want=1)
    if not won:
        session.rollback()
        return None
    session.commit()
    job = session.get(Job, won[0], populate_existing=True)
    assert job is not None  # just claimed in this session
    return job


def heartbeat(session: Session, job: Job, worker: str,
              lease: timedelta = DEFAULT_LEASE) -> bool:
    """Renew the lease and commit; False when another worker took the job meanwhile."""
    renewed = session.execute(
        update(Job).where(Job.id == job.id, Job.locked_by == worker,
                          Job.status == JobStatus.running)
        .values(locked_until=utcnow() + lease)
        .execution_options(synchronize_session=False))
    session.commit()
    return getattr(renewed, "rowcount", 0) == 1


def complete(session: Session, job: Job) -> None:
    job.status = JobStatus.completed
    job.finished_at = utcnow()
    job.locked_by = job.locked_until = None
    job.last_error = None
    session.commit()


def fail(session: Session, job: Job, error: str, retry: bool = True) -> None:
    """Record a failed attempt: queued again with backoff, or failed for good; commits."""
    job.last_error = error[:4000]
    job.locked_by = job.locked_until = None
    if retry and job.attempts < job.max_attempts:
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** max(job.attempts - 1, 0))
        job.status = JobStatus.queued
        job.run_after = utcnow() + delay
    else:
        job.status = JobStatus.failed
        job.finished_at = utcnow()
    session.commit()


def claim_periodic(session: Session, name: str, every: timedelta,
                   now: datetime | None = None) -> bool:
    """True when this caller won the run of ``name`` that is due now; commits.

    The row moves its ``next_run_at`` forward in the same UPDATE that checks it is due, so
    with several workers each run happens once. A missing row is created due now.
    """
    from mall.jobs.models import PeriodicTask

    now = now or utcnow()
    if session.get(PeriodicTask, name) is None:
        session.add(PeriodicTask(name=name, interval_seconds=int(every.total_seconds()),
                                 next_run_at=now))
        try:
            session.commit()
        except Exception:  # another worker created it first; fine
            session.rollback()
    won = session.execute(
        update(PeriodicTask).where(PeriodicTask.name == name, PeriodicTask.next_run_at <= now)
        .values(next_run_at=now + every, last_run_at=now,
                interval_seconds=int(every.total_seconds()))
        .execution_options(synchronize_session=False))
    session.commit()
    return getattr(won, "rowcount", 0) == 1


def record_periodic_outcome(session: Session, name: str, outcome: str) -> None:
    from mall.jobs.models import PeriodicTask

    session.execute(update(PeriodicTask).where(PeriodicTask.name == name)
                    .values(last_outcome=outcome[:2000]))
    session.commit()
