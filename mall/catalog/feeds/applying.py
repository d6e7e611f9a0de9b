"""Applying supplier feeds: every row through the single upsert's rules, in batches.

``import_feed`` reads the body once into a spooled temporary file (memory up to 1 MiB, then
disk); ``parsing`` checks the whole file's structure first; then each row goes through
``validation.check_offer`` and ``services.offers.apply_checked_offer``, exactly the single
upsert's code path, and rows are committed in batches of ``BATCH_ROWS``. When a SKU repeats,
only its last row is applied; each earlier row is reported with code ``superseded`` and
counted as neither ok nor rejected (``rows_superseded``).

Memory stays flat: the only per-row state is 8 bytes of SKU hash, plus a dict of the SKUs that
repeat. Every row problem is stored in ``feed_import_errors``; the report carries the first
``REPORT_ERRORS`` of them and ``errors_total``. Each batch locks its offers in id order
(``mall.locks``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.audit import services as audit
from mall.catalog.feeds.fastpath.importer import FastBatches, fast_path_applies
from mall.catalog.feeds.parsing import (
    Record,
    choose_encoding,
    copy_stream,
    feed_format,
    read_records,
)
from mall.catalog.feeds.report import REPORT_ERRORS, FeedReport
from mall.catalog.feeds.withdrawal import currency_check, withdraw_offer, withdrawal_check
from mall.catalog.models import FeedImport, FeedImportError, FeedImportStatus, Offer
from mall.catalog.serializers import feed_error_json
from mall.catalog.services.images import queue_image_fetches
from mall.catalog.services.offers import (
    ProductCache,
    apply_checked_offer,
    lock_offers_by_sku,
)
from mall.catalog.services.prices import review_share
from mall.catalog.services.writes import OfferWrites, today
from mall.catalog.validation import CatalogLookup, OfferCheck, Problem, check_offer, problem
from mall.config import DEFAULT_FAST_BATCH_ROWS
from mall.db import utcnow

log = logging.getLogger(__name__)

BATCH_ROWS = 500  # the simple path's batch; the fast path's is MALL_FEED_BATCH_ROWS
# The PostgreSQL fast path (``fastpath``); tests turn it off to run both paths.
FAST_PATH = True
SPOOL_MEMORY_BYTES = 1024 * 1024


def use_fast_path(session: Session, supplier: Organization) -> bool:
    return FAST_PATH and fast_path_applies(session, supplier)


def batch_rows(fast: bool) -> int:
    """Rows per committed batch: ``MALL_FEED_BATCH_ROWS`` on the fast path."""
    if not fast:
        return BATCH_ROWS
    from flask import current_app, has_app_context

    if has_app_context():
        return int(current_app.config["MALL"].feed_batch_rows)
    return int(os.environ.get("MALL_FEED_BATCH_ROWS") or DEFAULT_FAST_BATCH_ROWS)


class _Importer(FastBatches):
    def __init__(self, session: Session, supplier: Organization, actor: User | None,
                 source: str, report: FeedReport, feed: FeedImport) -> None:
        self.session = session
        self.supplier = supplier
        self.actor = actor
        self.source = source
        self.report = report
        self.feed = feed
        self.lookup = CatalogLookup(session, bulk=True)
        self.products = ProductCache()
        self.share = review_share()
        self.today = today()
        self.pending_errors: list[dict[str, Any]] = []
        self.image_urls: dict[str, str] = {}
        # The last data row handled so far; committed with each batch as the resume point.
        self.through_row = feed.resume_after_row
        self.fast = use_fast_path(session, supplier)
        if self.fast:
            self._setup_fast()

    def _error(self, record: Record, p: Problem) -> None:
        if record.line_id is not None:  # a PEPPOL line: name its cbc:ID
            p = {**p, "field": f"CatalogueLine[{record.line_id}].{p['field']}",
                 "message": f"Line {record.line_id}: {p['message']}"}
        entry = self.report.add_error(record.row, record.sku, p)
        self.pending_errors.append(entry)

    def _check(self, record: Record) -> OfferCheck:
        if record.action == "delete":
            return withdrawal_check(record)
        check = check_offer(self.lookup, self.supplier, record.sku or "", record.raw,
                            self.today, pre_problems=record.problems, with_sku=True)
        check = currency_check(check, record.currency)
        if check.checked is None:
            for p in check.problems:
                self._error(record, p)
        return check

    def _apply(self, checks: list[tuple[Record, OfferCheck]],
               existing: dict[str, Offer]) -> None:
        """Apply the checked rows of one batch with the single upsert's write path."""
        valid = [c.checked for _, c in checks if c.checked is not None]
        self.products.prefetch(self.session, [
            ProductCache.key(c.category.id, c.data["brand"], c.data["model"], c.data.get("gtin"))
            for c in valid])
        writes = OfferWrites()
        for record, check in checks:
            if record.action == "delete":
                self._withdraw(record, check, existing.get(record.sku or ""), writes)
                continue
            if check.checked is not None:
                apply_checked_offer(self.session, self.supplier, self.actor, check.checked,
                                    existing.get(record.sku or ""), self.source, self.share,
                                    self.products, writes)
            self._count(check.checked is not None)
        writes.finish(self.session)

    def _withdraw(self, record: Record, check: OfferCheck, offer: Offer | None,
                  writes: OfferWrites) -> None:
        """A PEPPOL Delete line: delist the supplier's offer for the SKU, as DELETE does."""
        if check.problems:
            for p in check.problems:
                self._error(record, p)
            self._count(False)
            return
        if offer is None:
            self._error(record, problem("sku", "not_found",
                                        f"You have no offer with SKU {record.sku!r} to delete."))
            self._count(False)
            return
        withdraw_offer(self.session, offer, self.actor, writes)
        self._count(True)

    def _flush_report(self) -> None:
        if self.image_urls:
            queue_image_fetches(self.session, self.supplier.id, self.image_urls)
            self.image_urls = {}
        self.session.add_all(
            FeedImportError(feed_import_id=self.feed.id, row=e["row"],
                            sku=(e["sku"] or None) and str(e["sku"])[:64], field=e["field"][:100],
                            code=e["code"], message=e["message"])
            for e in self.pending_errors)
        self.pending_errors = []
        self.feed.rows_total = self.report.rows_total
        self.feed.rows_ok = self.report.rows_ok
        self.feed.rows_rejected = self.report.rows_rejected
        self.feed.rows_superseded = self.report.rows_superseded
        self.feed.resume_after_row = self.through_row

    def batch(self, records: list[Record], through_row: int) -> None:
        """Apply and commit one batch; ``through_row`` is the last row read before it."""
        # Image URLs are not offer fields: taken out here, queued for the worker with the
        # batch's commit (``_flush_report``), fetched after it.
        for record in records:
            url = record.raw.pop("image_url", None)
            if isinstance(url, str) and url.strip() and record.sku:
                self.image_urls[record.sku] = url.strip()
        if self.fast:
            self.fast_batch(records, through_row)
        else:
            self.simple_batch(records, through_row)

    def simple_batch(self, records: list[Record], through_row: int) -> None:
        """One batch through the single upsert's code path, row by row."""
        self.through_row = through_row
        skus = sorted({r.sku for r in records if r.sku})
        errors_before = len(self.pending_errors)
        totals = (self.report.rows_total, self.report.rows_ok, self.report.rows_rejected,
                  self.report.errors_total, len(self.report.errors))
        try:
            existing = {o.sku: o for o in lock_offers_by_sku(self.session, self.supplier.id,
                                                             skus)}
            self._apply([(record, self._check(record)) for record in records], existing)
            self._flush_report()
            self.session.commit()
        except SQLAlchemyError:
            # A conflict the rules cannot foresee (e.g. a concurrent writer): redo the batch
            # one row per transaction, so only the failing row is rejected.
            log.warning("feed %s: batch failed, retrying row by row", self.feed.id,
                        exc_info=True)
            self.session.rollback()
            self.products = ProductCache()  # ids created in the rolled-back batch are gone
            del self.pending_errors[errors_before:]
            (self.report.rows_total, self.report.rows_ok, self.report.rows_rejected,
             self.report.errors_total, kept) = totals
            del self.report.errors[kept:]
            for record in records:
                self._one(record, through_row if record is records[-1] else record.row)

    def _one(self, record: Record, through_row: int) -> None:
        self.through_row = through_row
        totals = (self.report.rows_total, self.report.rows_ok, self.report.rows_rejected)
        try:
            existing = {o.sku: o for o in lock_offers_by_sku(
                self.session, self.supplier.id, [record.sku] if record.sku else [])}
            self._apply([(record, self._check(record))], existing)
        except SQLAlchemyError as exc:
            self.session.rollback()
            self.products = ProductCache()
            self.report.rows_total, self.report.rows_ok, self.report.rows_rejected = totals
            self._error(record, problem("_row", "not_applied",
                                        f"The row could not be saved: {type(exc).__name__}."))
            self._count(False)
        self._flush_report()
        self.session.commit()

    def _count(self, ok: bool) -> None:
        self.report.rows_total += 1
        if ok:
            self.report.rows_ok += 1
        else:
            self.report.rows_rejected += 1

    def superseded(self, record: Record, last_row: int) -> None:
        self.report.rows_total += 1
        self.report.rows_superseded += 1
        self._error(record, problem("sku", "superseded",
                                    f"Row {last_row} has the same SKU; the last row wins, "
                                    f"this one was not applied."))


@dataclass
class PreparedFeed:
    """A feed whose structure passed, recorded as a FeedImport, ready to apply."""

    spool: IO[bytes]
    format: str
    encoding: str
    rows: int
    last_row: dict[int, int]
    feed_id: int


def prepare_feed(
    session: Session,
    supplier: Organization,
    actor: User | None,
    spool: IO[bytes],
    content_type: str | None,
    source: str = "feed",
) -> PreparedFeed:
    """Check the whole file's structure, then record the import; commits.

    A malformed file raises FeedRefused (400) and records nothing.
    """
    fmt, charset = feed_format(content_type)
    encoding, rows, last_row = choose_encoding(spool, fmt, charset)
    label = "utf-8" if encoding == "utf-8-sig" else encoding
    feed = FeedImport(supplier_id=supplier.id, actor_user_id=getattr(actor, "id", None),
                      source=source, format=fmt, encoding=label,
                      status=FeedImportStatus.processing, rows_expected=rows,
                      content_type=(content_type or "")[:128] or None)
    session.add(feed)
    session.commit()
    return PreparedFeed(spool, fmt, encoding, rows, last_row, feed.id)


def apply_feed(
    session: Session,
    supplier: Organization,
    actor: User | None,
    prepared: PreparedFeed,
    source: str = "feed",
    on_batch: Callable[[], None] | None = None,
    fail_on_error: bool = True,
) -> FeedReport:
    """Apply a prepared feed row by row, committing per batch; returns the stored report.

    An import that was interrupted resumes after the last row its committed batches covered
    (``resume_after_row``), with the counts it had stored, so nothing is applied twice.
    ``on_batch`` runs after each commit (a job renews its lease there). With
    ``fail_on_error`` an exception marks the import failed; a job leaves it to be retried.
    """
    feed = session.get(FeedImport, prepared.feed_id)
    assert feed is not None
    report = FeedReport(id=feed.id, status=FeedImportStatus.processing, format=feed.format,
                        encoding=feed.encoding, rows_total=feed.rows_total,
                        rows_ok=feed.rows_ok, rows_rejected=feed.rows_rejected,
                        rows_superseded=feed.rows_superseded, rows_expected=prepared.rows)
    feed.status = FeedImportStatus.processing
    importer = _Importer(session, supplier, actor, source, report, feed)
    rows_per_batch = batch_rows(importer.fast)
    resume_after = feed.resume_after_row
    try:
        batch: list[Record] = []
        seen = resume_after
        for record in read_records(prepared.spool, prepared.format, prepared.encoding):
            if record.row <= resume_after:
                continue  # applied by an earlier, interrupted run
            seen = record.row
            wins = prepared.last_row.get(hash(record.sku)) if record.sku else None
            if wins is not None and wins != record.row:
                importer.superseded(record, wins)
                continue
            batch.append(record)
            if len(batch) >= rows_per_batch:
                importer.batch(batch, seen)
                batch = []
                if on_batch:
                    on_batch()
        if batch:
            importer.batch(batch, seen)
        importer.through_row = seen
        report.status = FeedImportStatus.completed
        feed.status = report.status
        feed.finished_at = utcnow()
        importer._flush_report()
        audit.record(session, action="feed.import", target_type="feed_import",
                     target_id=feed.id, actor=actor,
                     after={"supplier_id": supplier.id, "rows_total": report.rows_total,
                            "rows_ok": report.rows_ok,
                            "rows_rejected": report.rows_rejected,
                            "rows_superseded": report.rows_superseded, "source": source})
        session.commit()
    except Exception as exc:
        session.rollback()
        if not fail_on_error:
            raise
        failed = session.get(FeedImport, report.id)
        if failed is not None:
            failed.status = report.status = FeedImportStatus.failed
            failed.message = report.message = f"Import stopped: {type(exc).__name__}."
            failed.finished_at = utcnow()
            session.commit()
        raise
    if prepared.rows != report.rows_total:  # both passes read the same bytes
        log.error("feed %s: %s rows read, %s reported", report.id, prepared.rows,
                  report.rows_total)
    return report


def import_feed(
    session: Session,
    supplier: Organization,
    actor: User | None,
    stream: IO[bytes],
    content_type: str | None,
    source: str = "feed",
) -> FeedReport:
    """Import one feed for ``supplier``; commits per batch and returns the stored report.

    ``stream`` is a binary file-like object; ``actor`` is None when the system imports (the
    indexer's refresh-prices). A malformed file raises FeedRefused (400) and applies nothing.
    """
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
        copy_stream(stream, spool)
        prepared = prepare_feed(session, supplier, actor, spool, content_type, source)
        return apply_feed(session, supplier, actor, prepared, source)


def stored_report(session: Session, feed: FeedImport, limit: int = REPORT_ERRORS) -> FeedReport:
    """A stored import's report, with its first ``limit`` row problems."""
    report = FeedReport(id=feed.id, status=feed.status, format=feed.format,
                        encoding=feed.encoding, rows_total=feed.rows_total,
                        rows_ok=feed.rows_ok, rows_rejected=feed.rows_rejected,
                        rows_superseded=feed.rows_superseded, message=feed.message,
                        rows_expected=feed.rows_expected)
    query = select(FeedImportError).where(FeedImportError.feed_import_id == feed.id)
    report.errors_total = session.scalar(
        select(func.count()).select_from(query.subquery())) or 0
    if limit:  # a listing of imports needs only the count
        report.errors = [feed_error_json(e) for e in session.scalars(
            query.order_by(FeedImportError.id).limit(limit))]
    return report
