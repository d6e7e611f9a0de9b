"""``refresh-prices``: pull the configured supplier feeds and apply them via the catalog import.

``MALL_FEED_SOURCES`` is either a path to a JSON file or the JSON itself (starting ``[``):
a list of sources, e.g.::

    [{"supplier_id": 12, "url": "file:///srv/feeds/acme.csv", "content_type": "text/csv"},
     {"supplier_id": 14, "url": "https://feeds.example.com/b.ndjson"}]

``url`` is a ``file://`` URL, a plain path, or an ``http(s)://`` URL; ``content_type``
defaults from the extension (``.csv`` -> ``text/csv``, ``.ndjson``/``.jsonl`` ->
``application/x-ndjson``). Each source is imported on its own; one that fails (unreachable,
unknown supplier, refused feed) is reported and the others still run.
"""

from __future__ import annotations

import io
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy.orm import Session

from mall.accounts.models import Organization

CONTENT_TYPES = {".csv": "text/csv", ".ndjson": "application/x-ndjson",
                 ".jsonl": "application/x-ndjson"}


class FeedSourceError(ValueError):
    """MALL_FEED_SOURCES is malformed."""


@dataclass(frozen=True)
class FeedSource:
    supplier_id: int
    url: str
    content_type: str


@dataclass
class SourceOutcome:
    source: FeedSource
    ok: bool
    report: Any = None          # the catalog's FeedReport when the import ran
    error: str | None = None

    def line(self) -> str:
        head = f"supplier {self.source.supplier_id} ({self.source.url}): "
        if not self.ok:
            return head + f"FAILED: {self.error}"
        r = self.report
        return head + (f"{getattr(r, 'status', 'done')}, {getattr(r, 'rows_ok', '?')} rows ok, "
                       f"{getattr(r, 'rows_rejected', '?')} rejected of "
                       f"{getattr(r, 'rows_total', '?')} (report {getattr(r, 'id', '?')})")


def parse_sources(value: str) -> list[FeedSource]:
    value = (value or "").strip()
    if not value:
        return []
    try:
        raw = json.loads(value if value.startswith("[") else Path(value).read_text())
    except OSError as exc:
        raise FeedSourceError(f"cannot read MALL_FEED_SOURCES file {value}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise FeedSourceError(f"MALL_FEED_SOURCES is not valid JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise FeedSourceError("MALL_FEED_SOURCES must be a JSON list of sources")
    sources = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict) or "url" not in entry or "supplier_id" not in entry:
            raise FeedSourceError(f"source {n}: needs supplier_id and url")
        url = str(entry["url"])
        suffix = Path(urlparse(url).path).suffix.lower()
        content_type = entry.get("content_type") or CONTENT_TYPES.get(suffix)
        if not content_type:
            raise FeedSourceError(f"source {n}: content_type missing and not implied by {url}")
        try:
            supplier_id = int(entry["supplier_id"])
        except (TypeError, ValueError) as exc:
            raise FeedSourceError(f"source {n}: supplier_id must be an integer") from exc
        sources.append(FeedSource(supplier_id, url, content_type))
    return sources


def fetch(url: str, timeout: float = 30.0) -> bytes:
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https"):
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).read_bytes()
    if parsed.scheme == "":
        return Path(url).read_bytes()
    raise ValueError(f"unsupported URL scheme {parsed.scheme!r}")


def refresh_prices(session: Session, sources: list[FeedSource],
                   timeout: float = 30.0) -> list[SourceOutcome]:
    """Import every source through the catalog's feed import; one outcome per source."""
    from mall.catalog.feeds.applying import (
        import_feed,  # the catalog's import (lazy: optional module)
    )

    outcomes: list[SourceOutcome] = []
    for source in sources:
        try:
            supplier = session.get(Organization, source.supplier_id)
            if supplier is None or supplier.kind != "supplier":
                raise LookupError(f"no supplier organization {source.supplier_id}")
            payload = fetch(source.url, timeout)
            # Actor None: the system job, acting for the supplier whose feed this is.
            report = import_feed(session, supplier, None, io.BytesIO(payload),
                                 source.content_type, source="feed")
            session.commit()
            failed = getattr(report, "status", "") == "failed"
            outcomes.append(SourceOutcome(source, not failed, report,
                                          "the import failed" if failed else None))
        except Exception as exc:  # one bad source must not stop the others
            session.rollback()
            outcomes.append(SourceOutcome(source, False, None, f"{type(exc).__name__}: {exc}"))
    return outcomes
