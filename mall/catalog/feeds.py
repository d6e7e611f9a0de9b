"""Bulk supplier feeds: CSV or JSON Lines, up to 100,000 rows, in constant memory.

``import_feed`` reads the body once into a spooled temporary file (memory up to 1 MiB, then
disk) and makes two streaming passes over it:

1. **Structure**: decoding (UTF-8 with or without BOM; GB18030 for CSV when UTF-8 fails or
   when ``charset=`` says so), CSV header and columns, every JSON line. Any failure refuses
   the whole file (``FeedRefused``, 400) before a single row is applied. This pass also notes
   a 64-bit hash of each row's SKU, so that repeated SKUs are known before applying.
2. **Apply**: each row goes through ``validation.check_offer`` and
   ``services.apply_checked_offer``, exactly the single upsert's code path, and rows are
   committed in batches of ``BATCH_ROWS``. When a SKU repeats, only its last row is applied;
   each earlier row is reported with code ``superseded`` and counted as neither ok nor
   rejected (``rows_superseded``).

Memory stays flat: the only per-row state is 8 bytes of SKU hash, plus a dict of the SKUs that
repeat. Every row problem is stored in ``feed_import_errors``; the report carries the first
``REPORT_ERRORS`` of them and ``errors_total``.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import logging
import os
import tempfile
import threading
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.http import parse_options_header

from mall.accounts.models import Organization, User
from mall.audit import services as audit
from mall.catalog.models import FeedImport, FeedImportError, FeedImportStatus, Offer
from mall.catalog.services import (
    OfferWrites,
    ProductCache,
    apply_checked_offer,
    review_share,
    today,
)
from mall.catalog.validation import (
    CatalogLookup,
    OfferCheck,
    Problem,
    check_offer,
    parse_attributes_cell,
    problem,
)
from mall.db import utcnow
from mall.errors import ApiError, BadRequest

log = logging.getLogger(__name__)

MAX_ROWS = 100_000
BATCH_ROWS = 500
# Larger feeds are applied in the background so no request waits minutes (202).
BACKGROUND_ROWS = 2000
REPORT_ERRORS = 1000
CHUNK_BYTES = 64 * 1024
SPOOL_MEMORY_BYTES = 1024 * 1024

CSV_TYPES = {"text/csv", "application/csv"}
NDJSON_TYPES = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                "application/json-lines"}
REQUIRED_COLUMNS = ("sku", "agreement_number", "lot_code", "category_code", "title", "brand",
                    "model", "unit", "price", "stock", "lead_time_days", "regions",
                    "valid_until")
OPTIONAL_COLUMNS = ("title_en", "gtin", "attributes", "description")


class FeedRefused(BadRequest):
    """The file as a whole cannot be read; nothing was applied."""

    code = "feed_malformed"


class UnsupportedFeedType(ApiError):
    status, code = 415, "unsupported_media_type"


@dataclass
class FeedReport:
    id: int
    status: str
    format: str
    encoding: str
    rows_total: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    rows_superseded: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_total: int = 0
    message: str | None = None

    def add_error(self, row: int, sku: str | None, p: Problem) -> dict[str, Any]:
        entry = {"row": row, "sku": sku, **p}
        self.errors_total += 1
        if len(self.errors) < REPORT_ERRORS:
            self.errors.append(entry)
        return entry

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "format": self.format,
            "encoding": self.encoding,
            "rows_total": self.rows_total,
            "rows_ok": self.rows_ok,
            "rows_rejected": self.rows_rejected,
            "rows_superseded": self.rows_superseded,
            "errors": self.errors,
            "errors_total": self.errors_total,
            "errors_truncated": self.errors_total > len(self.errors),
            "message": self.message,
        }


def feed_format(content_type: str | None) -> tuple[str, str | None]:
    """("csv" | "ndjson", explicit charset or None) from a Content-Type header."""
    mimetype, options = parse_options_header(content_type or "")
    mimetype = mimetype.lower()
    if mimetype in CSV_TYPES:
        fmt = "csv"
    elif mimetype in NDJSON_TYPES:
        fmt = "ndjson"
    else:
        raise UnsupportedFeedType(
            "Send a feed as text/csv or application/x-ndjson.",
            details={"content_type": content_type or ""})
    charset = options.get("charset")
    if charset:
        try:
            charset = codecs.lookup(charset).name
        except LookupError:
            raise FeedRefused(f"Unknown charset {charset!r}.") from None
    return fmt, charset


def copy_stream(stream: IO[bytes], spool: IO[bytes]) -> None:
    while chunk := stream.read(CHUNK_BYTES):
        spool.write(chunk)
    spool.seek(0)


@dataclass
class Record:
    row: int
    sku: str | None
    raw: dict[str, Any]
    problems: list[Problem]


def _split_regions(value: Any) -> Any:
    if isinstance(value, str):
        return [r.strip() for r in value.split(";") if r.strip()]
    return value


def _csv_records(text: IO[str]) -> Iterator[Record]:
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FeedRefused("The CSV file is empty; it needs a header row.") from None
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        if duplicated:
            parts.append(f"repeated columns: {', '.join(duplicated)}")
        raise FeedRefused(f"The CSV header is not usable ({'; '.join(parts)}).",
                          details={"missing": missing, "unknown": unknown,
                                   "repeated": duplicated})
    row = 0
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue
        row += 1
        problems: list[Problem] = []
        if len(cells) != len(columns):
            problems.append(problem("_row", "column_count",
                                    f"The row has {len(cells)} cells; the header has "
                                    f"{len(columns)}."))
        raw: dict[str, Any] = {}
        for name, cell in zip(columns, cells, strict=False):
            cell = cell.strip()
            if cell == "":
                continue  # an empty cell is an absent value
            if name == "regions":
                raw[name] = _split_regions(cell)
            elif name == "attributes":
                value, issue = parse_attributes_cell(cell)
                if issue:
                    problems.append(issue)
                else:
                    raw[name] = value
            else:
                raw[name] = cell
        sku = raw.get("sku")
        yield Record(row, sku if isinstance(sku, str) else None, raw, problems)


def _ndjson_records(text: IO[str]) -> Iterator[Record]:
    row = 0
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_float=Decimal)
        except ValueError as exc:
            raise FeedRefused(f"Line {line_no} is not valid JSON ({exc.msg}).",
                              details={"line": line_no}) from None
        if not isinstance(value, dict):
            raise FeedRefused(f"Line {line_no} is not a JSON object.", details={"line": line_no})
        row += 1
        problems: list[Problem] = []
        if "regions" in value:
            value["regions"] = _split_regions(value["regions"])
        for key in ("price", "stock", "lead_time_days"):
            if isinstance(value.get(key), Decimal):
                value[key] = str(value[key])  # exact, never through float
        sku = value.get("sku")
        yield Record(row, sku if isinstance(sku, str) else None, value, problems)


def _records(spool: IO[bytes], fmt: str, encoding: str) -> Iterator[Record]:
    """Every data record, in order; FeedRefused when the file is malformed anywhere."""
    spool.seek(0)
    text = io.TextIOWrapper(spool, encoding=encoding, errors="strict", newline="")  # type: ignore[arg-type]
    try:
        yield from (_csv_records(text) if fmt == "csv" else _ndjson_records(text))
    except csv.Error as exc:
        raise FeedRefused(f"The CSV file is malformed: {exc}.") from None
    finally:
        text.detach()  # keep the spool open for the next pass


def _structure_pass(spool: IO[bytes], fmt: str, encoding: str) -> tuple[int, dict[int, int]]:
    """(row count, {sku hash: last row} for repeated SKUs); raises FeedRefused."""
    hashes = array("q")
    rows = 0
    for record in _records(spool, fmt, encoding):
        rows += 1
        if rows > MAX_ROWS:
            raise FeedRefused(f"A feed holds at most {MAX_ROWS:,} rows.",
                              code="feed_too_large")
        hashes.append(hash(record.sku) if record.sku else 0)
    ordered = sorted(hashes)
    repeated = {h for h, nxt in itertools.pairwise(ordered) if h == nxt and h != 0}
    del ordered
    last: dict[int, int] = {}
    if repeated:
        for index, h in enumerate(hashes):
            if h in repeated:
                last[h] = index + 1
    return rows, last


def _choose_encoding(spool: IO[bytes], fmt: str,
                     charset: str | None) -> tuple[str, int, dict[int, int]]:
    candidates = [charset] if charset else (
        ["utf-8-sig", "gb18030"] if fmt == "csv" else ["utf-8-sig"])
    for encoding in candidates:
        try:
            rows, last = _structure_pass(spool, fmt, encoding)
            return encoding, rows, last
        except UnicodeDecodeError:
            continue
    names = " or ".join("UTF-8" if c == "utf-8-sig" else c.upper() for c in candidates)
    raise FeedRefused(f"The file is not valid {names} text.", code="feed_undecodable")


class _Importer:
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

    def _error(self, record: Record, p: Problem) -> None:
        entry = self.report.add_error(record.row, record.sku, p)
        self.pending_errors.append(entry)

    def _check(self, record: Record) -> OfferCheck:
        check = check_offer(self.lookup, self.supplier, record.sku or "", record.raw,
                            self.today, pre_problems=record.problems, with_sku=True)
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
            if check.checked is not None:
                apply_checked_offer(self.session, self.supplier, self.actor, check.checked,
                                    existing.get(record.sku or ""), self.source, self.share,
                                    self.products, writes)
            self._count(check.checked is not None)
        writes.finish(self.session)

    def _flush_report(self) -> None:
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

    def batch(self, records: list[Record]) -> None:
        skus = sorted({r.sku for r in records if r.sku})
        errors_before = len(self.pending_errors)
        totals = (self.report.rows_total, self.report.rows_ok, self.report.rows_rejected,
                  self.report.errors_total, len(self.report.errors))
        try:
            existing = {o.sku: o for o in self.session.scalars(
                select(Offer).where(Offer.supplier_id == self.supplier.id, Offer.sku.in_(skus))
                .with_for_update(of=Offer))} if skus else {}
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
                self._one(record)

    def _one(self, record: Record) -> None:
        totals = (self.report.rows_total, self.report.rows_ok, self.report.rows_rejected)
        try:
            existing = {o.sku: o for o in self.session.scalars(
                select(Offer).where(Offer.supplier_id == self.supplier.id,
                                    Offer.sku == record.sku).with_for_update(of=Offer))
                } if record.sku else {}
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
    encoding, rows, last_row = _choose_encoding(spool, fmt, charset)
    label = "utf-8" if encoding == "utf-8-sig" else encoding
    feed = FeedImport(supplier_id=supplier.id, actor_user_id=getattr(actor, "id", None),
                      source=source, format=fmt, encoding=label,
                      status=FeedImportStatus.processing)
    session.add(feed)
    session.commit()
    return PreparedFeed(spool, fmt, encoding, rows, last_row, feed.id)


def apply_feed(
    session: Session,
    supplier: Organization,
    actor: User | None,
    prepared: PreparedFeed,
    source: str = "feed",
) -> FeedReport:
    """Apply a prepared feed row by row, committing per batch; returns the stored report."""
    feed = session.get(FeedImport, prepared.feed_id)
    assert feed is not None
    report = FeedReport(id=feed.id, status=feed.status, format=feed.format,
                        encoding=feed.encoding)
    importer = _Importer(session, supplier, actor, source, report, feed)
    try:
        batch: list[Record] = []
        for record in _records(prepared.spool, prepared.format, prepared.encoding):
            wins = prepared.last_row.get(hash(record.sku)) if record.sku else None
            if wins is not None and wins != record.row:
                importer.superseded(record, wins)
                continue
            batch.append(record)
            if len(batch) >= BATCH_ROWS:
                importer.batch(batch)
                batch = []
        if batch:
            importer.batch(batch)
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
        failed = session.get(FeedImport, report.id)
        if failed is not None:
            failed.status = report.status = FeedImportStatus.failed
            failed.message = report.message = f"Import stopped: {type(exc).__name__}."
            failed.finished_at = utcnow()
            session.commit()
        raise
    if prepared.rows != report.rows_total:  # both passes read the same spooled bytes
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


def apply_in_background(
    app: Any, supplier_id: int, actor_id: int | None, prepared: PreparedFeed, path: str
) -> threading.Thread:
    """Apply a large prepared feed on a thread with its own session; removes ``path`` after.

    The import is already recorded as ``processing``; the report is stored as rows are
    committed, so ``GET /api/v1/supplier/feeds/{id}`` shows progress and the outcome. If
    the process dies midway the import stays ``processing`` with the rows committed so far.
    """

    def run() -> None:
        from mall.db import db

        with app.app_context():
            session = db.session()
            try:
                supplier = session.get(Organization, supplier_id)
                actor = session.get(User, actor_id) if actor_id else None
                apply_feed(session, supplier, actor, prepared)
            except Exception:
                log.exception("background feed import %s failed", prepared.feed_id)
            finally:
                prepared.spool.close()
                os.unlink(path)
                db.session.remove()

    thread = threading.Thread(target=run, name=f"feed-import-{prepared.feed_id}", daemon=True)
    thread.start()
    return thread


def import_upload(
    app: Any, session: Session, supplier: Organization, actor: User,
    stream: IO[bytes], content_type: str | None,
) -> tuple[int, bool]:
    """An uploaded feed (API or page): checked now, applied now or in the background.

    Returns (feed import id, applied in the background). A malformed file raises
    FeedRefused and records nothing.
    """
    upload = tempfile.NamedTemporaryFile(prefix="mall-feed-", delete=False)  # noqa: SIM115
    try:
        copy_stream(stream, upload)
        prepared = prepare_feed(session, supplier, actor, upload, content_type)
    except BaseException:
        upload.close()
        os.unlink(upload.name)
        raise
    if prepared.rows > BACKGROUND_ROWS:
        apply_in_background(app, supplier.id, actor.id, prepared, upload.name)
        return prepared.feed_id, True
    try:
        apply_feed(session, supplier, actor, prepared)
    finally:
        upload.close()
        os.unlink(upload.name)
    return prepared.feed_id, False


def stored_report(session: Session, feed: FeedImport, limit: int = REPORT_ERRORS) -> FeedReport:
    """A stored import's report, with its first ``limit`` row problems."""
    report = FeedReport(id=feed.id, status=feed.status, format=feed.format,
                        encoding=feed.encoding, rows_total=feed.rows_total,
                        rows_ok=feed.rows_ok, rows_rejected=feed.rows_rejected,
                        rows_superseded=feed.rows_superseded, message=feed.message)
    query = select(FeedImportError).where(FeedImportError.feed_import_id == feed.id)
    report.errors_total = session.scalar(
        select(func.count()).select_from(query.subquery())) or 0
    if limit:  # a listing of imports needs only the count
        report.errors = [feed_error_json(e) for e in session.scalars(
            query.order_by(FeedImportError.id).limit(limit))]
    return report


def feed_error_json(error: FeedImportError) -> dict[str, Any]:
    return {"row": error.row, "sku": error.sku, "field": error.field, "code": error.code,
            "message": error.message}
