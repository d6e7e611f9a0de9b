"""The PostgreSQL fast path's batch loop: COPY, set-wise rules, one upsert, bulk bookkeeping.

Per batch (``MALL_FEED_BATCH_ROWS`` rows): each row's shape is checked in Python
(``shape``), rows are streamed with COPY into ``feed_stage``, the rules run as one UPDATE
that also finds each row's offer, the batch's offers are locked in id order, products are
found or created for the rows that need one, and one upsert writes offers, price history,
outbox and audit rows. One audit event per batch names the batch's rows
(``audit_batch_rows``) and carries their digest. Only rows
that fail are looked at again in Python, by ``validation.check_offer``, for their messages,
so every refused row is reported exactly as the simple path reports it.

Anything the database refuses mid-batch (a concurrent writer) rolls the batch back and redoes
it through the simple path, which isolates the failing row.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus, User
from mall.audit import services as audit
from mall.audit.digest import BATCH_ACTION, batch_digest
from mall.catalog.feeds.fastpath import sql
from mall.catalog.feeds.fastpath.products import resolve_products
from mall.catalog.feeds.fastpath.shape import Row, Shaper, checked_row
from mall.catalog.feeds.records import Record
from mall.catalog.feeds.report import FeedReport
from mall.catalog.models import FeedImport
from mall.catalog.services.offers import ProductCache
from mall.catalog.validation import CatalogLookup, OfferCheck, Problem, check_offer, problem
from mall.db import utcnow

log = logging.getLogger(__name__)


class StaleBatch(DBAPIError):
    """Another writer created one of the batch's offers after the batch looked it up."""

    def __init__(self, message: str) -> None:
        super().__init__(message, None, Exception(message))


def fast_path_applies(session: Session, supplier: Organization) -> bool:
    """PostgreSQL, and a supplier whose rows can pass at all (else every row is refused)."""
    return (session.get_bind().dialect.name == "postgresql"
            and supplier.status == OrganizationStatus.active)


class FastBatches:
    """Mixin for ``applying._Importer``: its ``batch`` done set-wise (see the module doc)."""

    session: Session
    supplier: Organization
    actor: User | None
    source: str
    feed: FeedImport
    report: FeedReport
    lookup: CatalogLookup
    today: date
    share: Decimal
    products: ProductCache
    through_row: int
    pending_errors: list[dict[str, Any]]

    # Provided by the importer this is mixed into.
    def simple_batch(self, records: list[Record], through_row: int) -> None:
        raise NotImplementedError

    def _error(self, record: Record, p: Problem) -> None:
        raise NotImplementedError

    def _count(self, ok: bool) -> None:
        raise NotImplementedError

    def _flush_report(self) -> None:
        raise NotImplementedError

    def _setup_fast(self) -> None:
        self.shaper = Shaper(self.lookup, self.today)

    def fast_batch(self, records: list[Record], through_row: int) -> None:
        if any(r.action != "upsert" or r.currency is not None for r in records):
            # PEPPOL withdrawals and stated currencies have rules of their own (applying):
            # such a batch takes the simple path, whose results the fast path matches.
            self.simple_batch(records, through_row)
            return
        first_row = self.feed.resume_after_row
        errors_before = len(self.pending_errors)
        report = self.report
        totals = (report.rows_total, report.rows_ok, report.rows_rejected,
                  report.errors_total, len(report.errors))
        try:
            self._fast(records, through_row, first_row)
        except SQLAlchemyError:
            log.warning("feed %s: fast batch failed, redoing it on the simple path",
                        self.feed.id, exc_info=True)
            self.session.rollback()
            self.products = ProductCache()
            del self.pending_errors[errors_before:]
            (report.rows_total, report.rows_ok, report.rows_rejected,
             report.errors_total, kept) = totals
            del report.errors[kept:]
            self.simple_batch(records, through_row)

    def _check_offer(self, record: Record) -> OfferCheck:
        return check_offer(self.lookup, self.supplier, record.sku or "",
                           record.raw, self.today, pre_problems=record.problems,
                           with_sku=True)

    def _full_check(self, record: Record) -> list[Problem]:
        check = self._check_offer(record)
        return [] if check.checked is not None else check.problems

    def _unexplained(self, row_no: int) -> Problem:
        # The SQL rules and check_offer disagree: never apply such a row, and say so.
        log.error("feed %s row %s: refused by the SQL rules, passed by check_offer",
                  self.feed.id, row_no)
        return problem("_row", "not_applied",
                       "The row breaks a catalog rule the feed could not name.")

    def _fast(self, records: list[Record], through_row: int, first_row: int) -> None:
        by_row = {r.row: r for r in records}
        staged: dict[int, Row] = {}
        refused: dict[int, list[Problem]] = {}
        for record in records:
            row = self.shaper.fast_row(record)
            if row is None:  # unusual shape: the full check decides, and explains
                check = self._check_offer(record)
                if check.checked is None:
                    refused[record.row] = check.problems
                    continue
                row = checked_row(record.row, check.checked)
            staged[record.row] = row
        connection = self.session.connection().connection.driver_connection
        assert connection is not None
        now = utcnow()
        # Names the batch by where it starts: a resumed run rewrites a rolled-back batch
        # under the same key, so the result equals an uninterrupted run's.
        batch_key = f"feed:{self.feed.id}:{first_row}"
        params: dict[str, Any] = {"supplier": self.supplier.id, "today": self.today,
                  "now": now, "since": now - timedelta(days=30),
                  "share": self.share, "actor": getattr(self.actor, "id", None),
                  "source": self.source, "key": batch_key}
        written = 0
        with connection.cursor() as cursor:
            # The batch's statements are cheap but their estimates look big: JIT compiling
            # them (seconds on a busy machine) costs far more than it saves.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql.CREATE_STAGE)
            with cursor.copy(sql.COPY_STAGE) as copy:
                for row in staged.values():
                    copy.write_row(row)
            if staged:
                cursor.execute(sql.RULES, params)
                triage = cursor.fetchall()
                cursor.execute(sql.LOCK_OFFERS, params)
                need: list[tuple[int, Any]] = []
                for row_no, bad, category_id in triage:
                    if bad:
                        refused[row_no] = self._full_check(by_row[row_no]) or [
                            self._unexplained(row_no)]
                    else:
                        values = staged[row_no]
                        need.append((row_no, ProductCache.key(category_id, values[8],
                                                              values[9], values[10])))
                if need:
                    ids = resolve_products(cursor, [k for _, k in need])
                    with cursor.copy(sql.COPY_PRODUCTS) as copy:
                        for row_no, product_key in need:
                            copy.write_row((row_no, ids[product_key]))
                cursor.execute(sql.UPSERT, params)
                written, meant = cursor.fetchone() or (0, 0)
                if written != meant:
                    raise StaleBatch(f"{meant - written} of the batch's offers changed "
                                     f"while it was applied")
        self.through_row = through_row
        for record in records:  # the report in row order, as the simple path writes it
            problems = refused.get(record.row)
            if problems is not None:
                for p in problems:
                    self._error(record, p)
            self._count(problems is None)
        if written:
            count, digest = batch_digest(self.session, batch_key)
            audit.record(self.session, action=BATCH_ACTION, target_type="feed_import",
                         target_id=self.feed.id, actor=self.actor,
                         after={"batch_key": batch_key, "supplier_id": self.supplier.id,
                                "first_row": min(staged), "last_row": max(staged),
                                "rows": count, "digest": digest})
        self._flush_report()
        self.session.commit()
