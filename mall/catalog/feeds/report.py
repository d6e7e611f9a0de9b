"""What a feed import answers: counts, the first ``REPORT_ERRORS`` refused rows, progress.

Its own module so both import paths (``applying`` and ``fastpath``) fill the same report
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mall.catalog.validation import Problem

REPORT_ERRORS = 1000


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
    rows_expected: int | None = None

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
            # How far a queued or running import has got (rows_total once it is done).
            "progress": {"rows_done": self.rows_total,
                         "rows_total": (self.rows_expected if self.rows_expected is not None
                                        else self.rows_total)},
        }
