"""Reading supplier feeds: formats, encodings, records; no database, testable alone.

A feed is CSV, JSON Lines or a PEPPOL BIS Catalogue 3 XML document (``peppol``, read by
``peppol.py`` into the same records). ``choose_encoding`` makes the structure pass over the
whole file (decoding: UTF-8 with or without BOM, GB18030 for CSV when UTF-8 fails or when
``charset=`` says so; the CSV header and columns; every JSON line). Any failure refuses the
whole file (``FeedRefused``, 400) before a single row is applied. The pass also notes a
64-bit hash of each row's SKU, so repeated SKUs are known before applying (the last row
wins).
``records`` then yields each data row for ``applying``.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
from array import array
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from werkzeug.http import parse_options_header

from mall.catalog.feeds import peppol

# Re-exported: callers (applying, the fast path) import them from here.
from mall.catalog.feeds.records import FeedRefused as FeedRefused
from mall.catalog.feeds.records import Record as Record
from mall.catalog.validation import Problem, parse_attributes_cell, problem
from mall.errors import ApiError
from mall.http import lone_surrogate_path
from mall.i18n import N_

# The upload is streamed to a temporary file and then stored in chunks, and every pass
# over it streams, so memory does not grow with the row count (bench/feed_import.py).
MAX_ROWS = 1_000_000
HASH_BUCKETS = 8
CELL_MEMO = 4096
CHUNK_BYTES = 64 * 1024

CSV_TYPES = {"text/csv", "application/csv"}
NDJSON_TYPES = {"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                "application/json-lines"}
XML_TYPES = {"application/xml", "text/xml"}
REQUIRED_COLUMNS = ("sku", "agreement_number", "lot_code", "category_code", "title", "brand",
                    "model", "unit", "price", "stock", "lead_time_days", "regions",
                    "valid_until")
OPTIONAL_COLUMNS = ("title_en", "gtin", "attributes", "description", "image_url")


class UnsupportedFeedType(ApiError):
    status, code = 415, "unsupported_media_type"


def feed_format(content_type: str | None) -> tuple[str, str | None]:
    """("csv" | "ndjson" | "peppol", explicit charset or None) from a Content-Type header.

    An XML document names its own encoding, so a charset option is not used for it.
    """
    mimetype, options = parse_options_header(content_type or "")
    mimetype = mimetype.lower()
    if mimetype in CSV_TYPES:
        fmt = "csv"
    elif mimetype in NDJSON_TYPES:
        fmt = "ndjson"
    elif mimetype in XML_TYPES:
        return "peppol", None
    else:
        raise UnsupportedFeedType(
            "Send a feed as text/csv, application/x-ndjson or application/xml (PEPPOL).",
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


def _split_regions(value: Any) -> Any:
    if isinstance(value, str):
        return [r.strip() for r in value.split(";") if r.strip()]
    return value


def _csv_header(reader: Any) -> list[str]:
    """The CSV header's column names; FeedRefused when it is missing or not usable."""
    try:
        header = next(reader)
    except StopIteration:
        raise FeedRefused(N_("The CSV file is empty; it needs a header row.")) from None
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
    return columns


def csv_skus(text: IO[str]) -> Iterator[str | None]:
    """Each data row's SKU, as ``csv_records`` reads it, without building the record.

    The structure pass only needs the rows and their SKUs; parsing cells, regions and
    attributes is left to the pass that applies them.
    """
    reader = csv.reader(text, strict=True)
    index = _csv_header(reader).index("sku")
    for cells in reader:
        if not cells or all(not c.strip() for c in cells):
            continue
        sku = cells[index].strip() if index < len(cells) else ""
        yield sku or None


def csv_records(text: IO[str]) -> Iterator[Record]:
    reader = csv.reader(text, strict=True)
    columns = _csv_header(reader)
    row = 0
    # Feeds repeat a few regions and attributes cells over many rows: each distinct cell is
    # parsed once (bounded), and every row gets its own copy of the result.
    cells_seen: dict[tuple[str, str], tuple[Any, Problem | None]] = {}
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
            if name == "regions" or name == "attributes":
                parsed = cells_seen.get((name, cell))
                if parsed is None:
                    if len(cells_seen) >= CELL_MEMO:
                        cells_seen.clear()
                    parsed = cells_seen[(name, cell)] = (
                        (_split_regions(cell), None) if name == "regions"
                        else parse_attributes_cell(cell))
                value, issue = parsed
                if issue:
                    problems.append(issue)
                else:
                    raw[name] = value.copy()
            else:
                raw[name] = cell
        sku = raw.get("sku")
        yield Record(row, sku if isinstance(sku, str) else None, raw, problems)


def ndjson_records(text: IO[str]) -> Iterator[Record]:
    row = 0
    for line_no, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_float=Decimal)
        except ValueError as exc:  # JSONDecodeError, or e.g. an integer too long to convert
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise FeedRefused(f"Line {line_no} is not valid JSON ({reason}).",
                              details={"line": line_no}) from None
        except RecursionError:
            raise FeedRefused(f"Line {line_no} is nested too deeply.",
                              details={"line": line_no}) from None
        if not isinstance(value, dict):
            raise FeedRefused(f"Line {line_no} is not a JSON object.", details={"line": line_no})
        if (path := lone_surrogate_path(value)) is not None:
            raise FeedRefused(f"Line {line_no} holds a \\u escape that is not a character (a "
                              f"lone surrogate) in {path or 'a key'}.",
                              details={"line": line_no, "field": path})
        row += 1
        problems: list[Problem] = []
        if "regions" in value:
            value["regions"] = _split_regions(value["regions"])
        for key in ("price", "stock", "lead_time_days"):
            if isinstance(value.get(key), Decimal):
                value[key] = str(value[key])  # exact, never through float
        sku = value.get("sku")
        yield Record(row, sku if isinstance(sku, str) else None, value, problems)


def read_records(spool: IO[bytes], fmt: str, encoding: str) -> Iterator[Record]:
    """Every data record, in order; FeedRefused when the file is malformed anywhere."""
    if fmt == "peppol":
        yield from peppol.peppol_records(spool)
        return
    spool.seek(0)
    text = io.TextIOWrapper(spool, encoding=encoding, errors="strict", newline="")
    try:
        yield from (csv_records(text) if fmt == "csv" else ndjson_records(text))
    except csv.Error as exc:
        raise FeedRefused(f"The CSV file is malformed: {exc}.") from None
    finally:
        text.detach()  # keep the spool open for the next pass


def read_skus(spool: IO[bytes], fmt: str, encoding: str) -> Iterator[str | None]:
    """Every data record's SKU, in order; the same refusals as ``read_records``."""
    if fmt != "csv":
        yield from (r.sku for r in read_records(spool, fmt, encoding))
        return
    spool.seek(0)
    text = io.TextIOWrapper(spool, encoding=encoding, errors="strict", newline="")
    try:
        yield from csv_skus(text)
    except csv.Error as exc:
        raise FeedRefused(f"The CSV file is malformed: {exc}.") from None
    finally:
        text.detach()


def structure_pass(spool: IO[bytes], fmt: str, encoding: str) -> tuple[int, dict[int, int]]:
    """(row count, {sku hash: last row} for repeated SKUs); raises FeedRefused."""
    hashes = array("q")
    rows = 0
    for sku in read_skus(spool, fmt, encoding):
        rows += 1
        if rows > MAX_ROWS:
            raise FeedRefused(f"A feed holds at most {MAX_ROWS:,} rows.",
                              code="feed_too_large")
        hashes.append(hash(sku) if sku else 0)
    repeated: set[int] = set()
    # Sorted an eighth at a time (by the hash's top bits): a sorted list of a million
    # Python ints would hold ~40 MiB at once.
    for bucket in range(HASH_BUCKETS):
        ordered = sorted(h for h in hashes if (h >> 61) & 7 == bucket)
        repeated.update(h for h, nxt in itertools.pairwise(ordered) if h == nxt and h != 0)
        del ordered
    last: dict[int, int] = {}
    if repeated:
        for index, h in enumerate(hashes):
            if h in repeated:
                last[h] = index + 1
    return rows, last


def choose_encoding(spool: IO[bytes], fmt: str,
                     charset: str | None) -> tuple[str, int, dict[int, int]]:
    if fmt == "peppol":  # the XML parser decodes what the document declares
        rows, last = structure_pass(spool, fmt, "binary")
        return peppol.declared_encoding(spool), rows, last
    candidates = [charset] if charset else (
        ["utf-8-sig", "gb18030"] if fmt == "csv" else ["utf-8-sig"])
    for encoding in candidates:
        try:
            rows, last = structure_pass(spool, fmt, encoding)
            return encoding, rows, last
        except UnicodeDecodeError:
            continue
    names = " or ".join("UTF-8" if c == "utf-8-sig" else c.upper() for c in candidates)
    raise FeedRefused(f"The file is not valid {names} text.", code="feed_undecodable")
