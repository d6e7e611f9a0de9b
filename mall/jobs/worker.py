"""``mall worker``: drains the outbox, runs queued jobs and the periodic schedule.

One loop, four kinds of work, in this order each round:

1. the outbox, into the search index (``indexer.sync``), so a change is searchable within a
   poll interval (0.5 s by default);
2. periodic tasks that are due (expiry, supplier price refresh, index verify and repair,
   pruning, lifting suspensions that ended), each claimed through ``periodic_tasks`` so
   several workers run each once;
3. one queued job (a large feed import), claimed with a lease it renews after every batch;
4. notifications' e-mails that are due (``mall.notifications.mail``; with ``MALL_SMTP_URL``),
   claimed like jobs, each sent once and retried with backoff when SMTP fails.

Several workers on several hosts share the work; a worker killed at any point loses
nothing: its uncommitted batch rolls back and its job's lease runs out, then another worker
(or this one, restarted) resumes the job. SIGTERM and SIGINT stop the loop at the next
boundary (between outbox batches, periodic tasks, or feed batches), and a job stopped that
way goes back to the queue at once. Each job and task is logged on one line.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import FrameType
from typing import Any

from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from mall.db import db, utcnow
from mall.jobs import services as jobs
from mall.jobs.models import Job, JobStatus

log = logging.getLogger("mall.worker")


class Stopping(Exception):
    """Raised inside a job at a batch boundary when the worker was asked to stop."""


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    run: Callable[[Worker, Session], str]


@dataclass
class Worker:
    app: Flask
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    poll_seconds: float = 0.5
    lease: timedelta = jobs.DEFAULT_LEASE
    expire_every: timedelta = timedelta(minutes=5)
    refresh_every: timedelta = timedelta(hours=1)
    verify_every: timedelta = timedelta(hours=1)
    prune_every: timedelta = timedelta(hours=1)
    reconcile_every: timedelta = timedelta(minutes=10)
    # Joint purchases close at their closes_at; checked this often.
    joint_every: timedelta = timedelta(minutes=1)
    accountability_every: timedelta = timedelta(hours=24)
    # Suspensions end on a date; checked hourly so one lifts early on its first free day.
    lift_every: timedelta = timedelta(hours=1)
    # Which kinds of work this worker does (all, unless a deployment splits them).
    drain: bool = True
    periodic: bool = True
    mail: bool = True
    stopping: bool = False
    _client: OpenSearch | None = None
    _outbox_failures: int = 0
    _outbox_retry_at: float = 0.0

    # --- the loop ------------------------------------------------------------------------

    def stop(self, *_: Any) -> None:
        self.stopping = True

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s: %s received, stopping at the next boundary", self.name,
                 signal.Signals(signum).name)
        self.stop()

    def run(self, once: bool = False) -> None:
        """Work until stopped; with ``once``, until nothing is due, then return."""
        log.info("worker %s: started (poll %.1fs, lease %ss)", self.name, self.poll_seconds,
                 int(self.lease.total_seconds()))
        with self.app.app_context():
            try:
                while not self.stopping:
                    busy = self.round()
                    if once and not busy:
                        break
                    if not busy:
                        self._sleep(self.poll_seconds)
            finally:
                db.session.remove()
        log.info("worker %s: stopped", self.name)

    def round(self) -> bool:
        """One pass over the four kinds of work; True when any of them did something."""
        session = db.session()
        busy = self.drain and self.drain_outbox(session)
        busy = (self.periodic and self.run_periodic(session)) or busy
        busy = self.run_one_job(session) or busy
        busy = (self.mail and self.send_mail(session)) or busy
        return busy

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))

    # --- the outbox ------------------------------------------------------------------------

    def client(self) -> OpenSearch:
        if self._client is None:
            from mall.search.client import make_client

            self._client = make_client(self.app.config["MALL"].opensearch_url, timeout=30)
        return self._client

    def drain_outbox(self, session: Session) -> bool:
        from indexer.sync import RETRYABLE, Backoff, sync_batch

        if time.monotonic() < self._outbox_retry_at:
            return False
        alias = self.app.config["MALL"].search_alias
        events = 0
        try:
            while not self.stopping:
                batch = sync_batch(self.client(), session, alias, date.today())
                if batch.events == 0:
                    break
                events += batch.events
                log.info("outbox: %s events, %s indexed, %s deleted, %s deferred",
                         batch.events, batch.indexed, batch.deleted, batch.deferred)
                if batch.deferred >= batch.events:
                    break  # everything left is locked by another writer; next round
        except RETRYABLE as exc:
            self._outbox_failures += 1
            delay = Backoff().delay(self._outbox_failures)
            self._outbox_retry_at = time.monotonic() + delay
            log.warning("outbox: search unavailable (%s); retry in %.1fs",
                        type(exc).__name__, delay)
            return False
        self._outbox_failures = 0
        return events > 0

    # --- periodic tasks --------------------------------------------------------------------

    def schedule(self) -> list[Periodic]:
        return [
            Periodic("expire", self.expire_every, _expire),
            Periodic("refresh-prices", self.refresh_every, _refresh_prices),
            Periodic("verify", self.verify_every, _verify),
            Periodic("prune", self.prune_every, _prune),
            Periodic("reconcile-payments", self.reconcile_every, _reconcile_payments),
            Periodic("close-joint-purchases", self.joint_every, _close_joint_purchases),
            Periodic("accountability-flags", self.accountability_every, _accountability_flags),
            Periodic("lift-suspensions", self.lift_every, _lift_suspensions),
        ]

    def run_periodic(self, session: Session) -> bool:
        busy = False
        for task in self.schedule():
            if self.stopping:
                break
            if not jobs.claim_periodic(session, task.name, task.every):
                continue
            busy = True
            started = time.monotonic()
            try:
                outcome = task.run(self, session)
            except Exception as exc:
                session.rollback()
                outcome = f"failed: {type(exc).__name__}: {exc}"
                log.exception("task %s failed", task.name)
            log.info("task %s: %s (%.1fs)", task.name, outcome, time.monotonic() - started)
            jobs.record_periodic_outcome(session, task.name, outcome)
        return busy

    # --- queued jobs -----------------------------------------------------------------------

    def run_one_job(self, session: Session) -> bool:
        job = jobs.claim(session, self.name, self.lease, kinds=tuple(HANDLERS))
        if job is None:
            return False
        started = time.monotonic()
        handler = HANDLERS[job.kind]
        final = job.attempts >= job.max_attempts
        try:
            handler(self, session, job, final)
        except Stopping:
            session.rollback()
            _release(session, job)
            log.info("job %s %s: stopped with the worker; back in the queue", job.id, job.kind)
            return True
        except Exception as exc:
            session.rollback()
            jobs.fail(session, job, f"{type(exc).__name__}: {exc}", retry=not final)
            log.exception("job %s %s: attempt %s failed (%s)", job.id, job.kind, job.attempts,
                          job.status)
            return True
        jobs.complete(session, job)
        log.info("job %s %s: completed in %.1fs (attempt %s)", job.id, job.kind,
                 time.monotonic() - started, job.attempts)
        return True

    def send_mail(self, session: Session) -> bool:
        """Notifications' due e-mails (after their transactions committed, never in one)."""
        from mall.notifications.mail import send_due

        try:
            return send_due(session, self.app.config["MALL"]).busy
        except Exception:  # the database, not SMTP (whose failures are per mail): next round
            session.rollback()
            log.exception("mail: round failed")
            return False

    def batch_boundary(self, session: Session, job: Job) -> None:
        """Called by long jobs after each committed step: renew the lease, honour a stop."""
        if not jobs.heartbeat(session, job, self.name, self.lease):
            raise Stopping("another worker holds this job now")
        if self.stopping:
            raise Stopping("worker stopping")


def _release(session: Session, job: Job) -> None:
    """Put a job back in the queue at once without counting the interrupted attempt."""
    job.status = JobStatus.queued
    job.locked_by = job.locked_until = None
    job.attempts = max(job.attempts - 1, 0)
    job.run_after = utcnow()
    session.commit()


def _feed_import(worker: Worker, session: Session, job: Job, final: bool) -> None:
    from mall.catalog.feeds.queued import run_import_job

    run_import_job(session, int(job.payload["feed_import_id"]),
                   on_batch=lambda: worker.batch_boundary(session, job), final_attempt=final)


def _offer_image(worker: Worker, session: Session, job: Job, final: bool) -> None:
    """Fetch a feed's image URL for an offer (queued by the import, after its commit)."""
    from mall.catalog.services.images import run_image_fetch

    outcome = run_image_fetch(session, int(job.payload["offer_id"]), str(job.payload["url"]),
                              allow_private=worker.app.config["MALL"].image_fetch_allow_private,
                              final_attempt=final)
    log.info("job %s offer_image: offer %s %s", job.id, job.payload["offer_id"], outcome)


HANDLERS: dict[str, Callable[[Worker, Session, Job, bool], None]] = {
    "feed_import": _feed_import,
    "offer_image": _offer_image,
}


def _expire(worker: Worker, session: Session) -> str:
    from indexer.expiry import expire

    return f"expired {expire(session, date.today())} offers"


def _refresh_prices(worker: Worker, session: Session) -> str:
    from indexer.refresh import parse_sources, refresh_prices

    sources = parse_sources(worker.app.config["MALL"].feed_sources)
    if not sources:
        return "no feed sources configured"
    outcomes = refresh_prices(session, sources)
    return "; ".join(o.line() for o in outcomes)


def _verify(worker: Worker, session: Session) -> str:
    from indexer.verify import NoIndex, repair, verify

    alias = worker.app.config["MALL"].search_alias
    try:
        drift = verify(worker.client(), session, alias, date.today())
    except NoIndex:
        return "no index yet (run mall-indexer rebuild)"
    session.rollback()
    if drift.clean:
        return drift.lines()[0]
    fixed = repair(worker.client(), session, alias, drift, date.today())
    return f"{drift.lines()[0]}; repaired {fixed} offers"


def _reconcile_payments(worker: Worker, session: Session) -> str:
    from mall.payments.gateway import current_gateway
    from mall.payments.reconciliation import reconcile_pending_payments

    counts = reconcile_pending_payments(session, current_gateway())
    return ", ".join(f"{k}={v}" for k, v in counts.items())


def _close_joint_purchases(worker: Worker, session: Session) -> str:
    from mall.joint.services.closing import close_due
    from mall.orders.services.facts import Settings

    closed = close_due(session, Settings.from_app_config(worker.app.config))
    return f"closed {closed} joint purchases"


def _accountability_flags(worker: Worker, session: Session) -> str:
    """Purchasers past an accountability threshold this year get a flag (once a year each)."""
    from mall.orders.services.accountability import raise_flags

    raised = raise_flags(session, date.today().year, worker.app.config["MALL"].thresholds)
    session.commit()
    return f"raised {len(raised)} accountability flags"


def _lift_suspensions(worker: Worker, session: Session) -> str:
    """Organizations whose suspension ended are active again (audited; offers reindexed)."""
    from mall.accounts.suspensions import lift_ended_suspensions

    lifted = lift_ended_suspensions(session, date.today())
    session.commit()
    return f"lifted {len(lifted)} suspensions"


def _prune(worker: Worker, session: Session) -> str:
    from mall.jobs.pruning import prune

    return f"pruned {prune(session).line()}"


def run_worker(once: bool = False, **settings: Any) -> None:
    """The ``mall worker`` command's body, inside an app context."""
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app, **settings)
    worker.install_signal_handlers()
    worker.run(once=once)


__all__ = ["HANDLERS", "JobStatus", "Periodic", "Stopping", "Worker", "run_worker"]
