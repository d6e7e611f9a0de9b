"""A real ``mall worker`` process, killed with SIGKILL in the middle of a large feed: the next
worker resumes from the last committed batch and the result equals an uninterrupted run."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy import Engine, func, select

from mall.accounts.models import Organization, User
from mall.audit.models import AuditBatchRow, AuditEvent
from mall.audit.services import verify_chain
from mall.catalog.feeds.queued import import_upload
from mall.catalog.models import FeedImport, FeedImportError, FeedImportStatus, Offer, PriceChange
from mall.db import db
from mall.jobs.models import Job, JobStatus
from mall.jobs.worker import Worker
from mall.outbox.models import OutboxEvent
from tests.catalog.conftest import Catalog
from tests.catalog.test_feeds import _csv, _row
from tests.factories.accounts import center_admin, supplier_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category

ROOT = Path(__file__).resolve().parents[2]
MALL = Path(sys.executable).with_name("mall")
ROWS = 6000  # twelve batches of 500: enough to kill the worker between two of them


def _feed_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """Good rows, rows the rules refuse, and repeated SKUs whose last row wins."""
    rows = []
    for i in range(ROWS):
        sku = f"K-{i % (ROWS - 200):05d}"  # the last 200 rows repeat earlier SKUs
        overrides: dict[str, Any] = {"model": f"ThinkPad K{i:05d}", "gtin": None}
        if i % 97 == 0:
            overrides["price"] = "0"  # refused: not a positive price
        rows.append(_row(catalog, sku, **overrides))
    return rows


@pytest.fixture
def worker_alias(opensearch: OpenSearch) -> Iterator[str]:
    """The index the worker processes drain the outbox into; removed afterwards."""
    alias = f"mall-test-worker-{uuid.uuid4().hex[:8]}"
    yield alias
    opensearch.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def _start_worker(database_url: str, alias: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MALL_DATABASE_URL": database_url, "MALL_SEARCH_ALIAS": alias,
           "MALL_WORKER_LEASE_SECONDS": "2", "MALL_WORKER_POLL_SECONDS": "0.2",
           # Batches of 500 on the fast path too, so the kill lands between two of them.
           "MALL_FEED_BATCH_ROWS": "500"}
    return subprocess.Popen([str(MALL), "worker"], cwd=ROOT, env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _feed(engine: Engine, feed_id: int) -> Any:
    """The import's status and resume point, read on a connection of its own."""
    with engine.connect() as connection:
        return connection.execute(select(FeedImport.status, FeedImport.resume_after_row)
                                  .where(FeedImport.id == feed_id)).one()


def _footprint(session: Any, supplier_id: int, feed_id: int) -> dict[str, Any]:
    """What an import left behind for one supplier, counted table by table."""
    offer_ids = list(session.scalars(select(Offer.id).where(Offer.supplier_id == supplier_id)))

    def count(query: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)

    return {
        "offers": len(offer_ids),
        "price_changes": count(select(PriceChange.id).where(PriceChange.offer_id.in_(offer_ids))),
        "outbox": count(select(OutboxEvent.id).where(OutboxEvent.entity_type == "offer",
                                                     OutboxEvent.entity_id.in_(offer_ids))),
        # Per-row events on the simple path; rows named by batch events on the fast path.
        "audit": count(select(AuditEvent.id).where(
            AuditEvent.target_type == "offer",
            AuditEvent.target_id.in_([str(i) for i in offer_ids])))
        + count(select(AuditBatchRow.id).where(AuditBatchRow.offer_id.in_(offer_ids))),
        "errors": sorted((e.row, e.sku, e.field, e.code) for e in session.scalars(
            select(FeedImportError).where(FeedImportError.feed_import_id == feed_id))),
    }


def _report(feed: FeedImport) -> tuple[Any, ...]:
    return (feed.status, feed.rows_total, feed.rows_ok, feed.rows_rejected,
            feed.rows_superseded, feed.resume_after_row)


@pytest.mark.postgres_only
def test_a_killed_worker_loses_nothing_and_applies_nothing_twice(
        app: Flask, committed_db: Engine, database_url: str, worker_alias: str,
        tmp_path: Path) -> None:
    session = db.session()
    center_admin(session)
    interrupted, uninterrupted = supplier_admin(session), supplier_admin(session)
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(session, category=category,
                               suppliers=[interrupted.organization, uninterrupted.organization],
                               regions=["CN-BJ", "CN-SH"])
    catalog = Catalog(interrupted, {}, interrupted, {}, category, agreement)
    session.commit()
    orgs = {"interrupted": interrupted.organization_id,
            "uninterrupted": uninterrupted.organization_id}
    body = _csv(_feed_rows(catalog)).encode()
    ids = {}
    for key, user in (("a", interrupted), ("b", uninterrupted)):
        feed_id, queued = import_upload(session, session.get_one(Organization,
                                                                 user.organization_id),
                                        session.get_one(User, user.id), io.BytesIO(body),
                                        "text/csv")
        assert queued
        ids[key] = feed_id
    # Only the first import goes to the worker processes; the second waits its turn.
    session.query(Job).filter(Job.payload["feed_import_id"].as_integer()
                              == ids['b']).update(
        {"run_after": func.now() + func.make_interval(0, 0, 0, 1)}, synchronize_session=False)
    session.commit()
    log = tmp_path / "worker.log"

    first = _start_worker(database_url, worker_alias, log)
    try:
        _wait(lambda: _feed(committed_db, ids['a']).resume_after_row >= 1000,
              120, "the first worker to commit two batches")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = _feed(committed_db, ids['a'])
    assert killed_at.status == FeedImportStatus.processing
    assert 1000 <= killed_at.resume_after_row < ROWS, "killed mid-import"

    second = _start_worker(database_url, worker_alias, log)
    try:
        _wait(lambda: _feed(committed_db, ids['a']).status
              == FeedImportStatus.completed, 180, "the second worker to finish the import")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if second.poll() is None:
            second.kill()
    assert "stopped" in log.read_text()

    # The same file, uninterrupted, in this process.
    session = db.session()
    session.query(Job).update({"run_after": func.now()}, synchronize_session=False)
    session.commit()
    Worker(app, drain=False, periodic=False).run(once=True)

    session = db.session()
    a = session.get_one(FeedImport, ids['a'])
    b = session.get_one(FeedImport, ids['b'])
    assert _report(a) == _report(b)
    assert a.rows_total == ROWS and a.rows_superseded == 200 and a.rows_rejected > 0
    footprint = _footprint(session, orgs["interrupted"], a.id)
    assert footprint == _footprint(session, orgs["uninterrupted"], b.id)
    # No duplicates: one offer, one price, one outbox row and one audit event per ok row.
    assert (footprint["offers"], footprint["price_changes"], footprint["outbox"],
            footprint["audit"]) == (a.rows_ok,) * 4
    assert list(verify_chain(session)) == []
    jobs = session.scalars(select(Job).order_by(Job.id)).all()
    assert [j.status for j in jobs] == [JobStatus.completed, JobStatus.completed]
    assert jobs[0].attempts == 2  # the killed attempt, then the one that finished
