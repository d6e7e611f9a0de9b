"""What every feed format is read into: one ``Record`` per row, or ``FeedRefused`` for the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mall.catalog.validation import Problem
from mall.errors import BadRequest


class FeedRefused(BadRequest):
    """The file as a whole cannot be read; nothing was applied."""

    code = "feed_malformed"


@dataclass
class Record:
    row: int
    sku: str | None
    raw: dict[str, Any]
    problems: list[Problem]
    # "upsert", or "delete" (a PEPPOL line withdrawing the offer for ``sku``)
    action: str = "upsert"
    # A PEPPOL line's cbc:ID, named in its errors; None for CSV and JSON rows
    line_id: str | None = None
    # The currency a PEPPOL price states, checked against the agreement's
    currency: str | None = None
