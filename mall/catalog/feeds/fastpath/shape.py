"""Per-row shape checks of the fast path: cheap, conservative, never wrong.

``fast_row`` turns a parsed ``Record`` into the tuple COPY writes to the staging table, or
returns None when the row is anything but plainly well formed. A None row goes through the
full ``validation.check_offer`` (marshmallow), so every shape problem is reported with the
same field, code and message as the simple path; only the common, valid shape is handled
here. Numbers and dates are matched with one regular expression each; the rules that need
the catalog (ceilings, awards, lots, regions, dates against the agreement) are left to SQL.
Attributes are checked here against the category's template: it is per-row logic that SQL
cannot express well.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from mall.catalog.feeds.records import Record
from mall.catalog.models import Category
from mall.catalog.schemas import SKU_PATTERN
from mall.catalog.validation import CatalogLookup, CheckedOffer, check_attributes, gtin_problem

_SKU = re.compile(SKU_PATTERN)
_PRICE = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_INT = re.compile(r"^\d{1,9}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REGION = re.compile(r"^(\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
_KNOWN = frozenset({"sku", "agreement_number", "lot_code", "category_code", "title",
                    "title_en", "brand", "model", "gtin", "unit", "price", "stock",
                    "lead_time_days", "regions", "attributes", "valid_until", "description"})
# (field, max length, required) of the plain text fields, in staging column order.
_CODES = (("agreement_number", 64), ("lot_code", 32), ("category_code", 64))
_LINES = (("title", 300, True), ("title_en", 300, False))
_LINES2 = (("brand", 120, True), ("model", 120, True))

Row = tuple[Any, ...]
MEMO_LIMIT = 4096  # memoised attribute and region cells; cleared when full


def _line(value: Any, limit: int, required: bool) -> Any:
    """A single-line text, or ``...`` when the full check must decide."""
    if value is None:
        return ... if required else None
    if type(value) is not str or not value.isprintable():
        return ...  # controls are cleaned (or refused) by the schema: let it decide
    value = value.strip()
    if (required and not value) or len(value) > limit:
        return ...
    return value


def _int(value: Any, high: int | None) -> Any:
    if type(value) is int:
        number = value
    elif type(value) is str and _INT.match(value):
        number = int(value)
    else:
        return ...
    if number < 0 or (high is not None and number > high):
        return ...
    return number


class Shaper:
    """Shape checks with the feed's categories cached by code."""

    def __init__(self, lookup: CatalogLookup, today: date) -> None:
        self.lookup = lookup
        self.today = today
        self._categories: dict[str, Category | None] = {}
        self._memo: dict[Any, str] = {}
        self._regions: dict[tuple[Any, ...], str] = {}

    def category(self, code: str) -> Category | None:
        if code not in self._categories:
            self._categories[code] = self.lookup.category(code)
        return self._categories[code]

    def fast_row(self, record: Record) -> Row | None:
        raw = record.raw
        if record.problems or not raw.keys() <= _KNOWN:
            return None
        sku = raw.get("sku")
        if type(sku) is not str or not _SKU.match(sku):
            return None
        out: list[Any] = [record.row, sku]
        for name, limit in _CODES:
            value = raw.get(name)
            if type(value) is not str or not value or len(value) > limit:
                return None
            out.append(value)
        for name, limit, required in _LINES:
            value = _line(raw.get(name), limit, required)
            if value is ...:
                return None
            out.append(value)
        description = raw.get("description")
        if description is not None and (type(description) is not str
                                        or len(description) > 20000):
            return None
        out.append(description)
        for name, limit, required in _LINES2:
            value = _line(raw.get(name), limit, required)
            if value is ...:
                return None
            out.append(value)
        gtin = raw.get("gtin")
        if gtin is not None and (type(gtin) is not str or gtin_problem(gtin) is not None):
            return None
        out.append(gtin)
        unit = _line(raw.get("unit"), 32, True)
        price = raw.get("price")
        if unit is ... or type(price) is not str or not _PRICE.match(price):
            return None
        stock = _int(raw.get("stock"), None)
        lead = _int(raw.get("lead_time_days"), 365)
        if stock is ... or lead is ...:
            return None
        regions = raw.get("regions")
        if type(regions) is not list or not regions:
            return None
        for region in regions:
            if type(region) is not str or not _REGION.match(region):
                return None
        valid_until = raw.get("valid_until")
        if type(valid_until) is not str or not _DATE.match(valid_until):
            return None
        try:
            until = date.fromisoformat(valid_until)
        except ValueError:
            return None
        category = self.category(out[4])
        attributes = raw.get("attributes", {})
        if category is None or type(attributes) is not dict:
            return None
        cell = self._attributes(category, attributes)
        if cell is None:
            return None
        key = tuple(regions)
        regions_cell = self._regions.get(key)
        if regions_cell is None:
            if len(self._regions) >= MEMO_LIMIT:
                self._regions.clear()
            regions_cell = self._regions[key] = json.dumps(sorted(set(regions)))
        out += [unit, price, stock, lead, regions_cell, cell, until]
        return tuple(out)

    def _attributes(self, category: Category, attributes: dict[str, Any]) -> str | None:
        """The template-checked attributes as a JSON cell, or None when they have problems.

        Feeds repeat a few attribute combinations over many rows, so results are memoised by
        (category, typed items) when every value is hashable (a plain JSON scalar).
        """
        try:
            # The type too: True == 1 == 1.0 in Python, but not to the template.
            key: Any = (category.id, *((k, type(v), v) for k, v in attributes.items()))
            hash(key)
        except TypeError:
            key = None
        if key is not None and (hit := self._memo.get(key)) is not None:
            return hit or None
        clean, problems = check_attributes(category.attributes, attributes)
        cell = "" if problems else json.dumps(clean, ensure_ascii=False)
        if key is not None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = cell
        return cell or None


def checked_row(row: int, checked: CheckedOffer) -> Row:
    """The staging tuple of a row the full check accepted (normalized by the schema)."""
    data = checked.data
    return (row, checked.sku, data["agreement_number"], data["lot_code"],
            data["category_code"], data["title"], data.get("title_en"),
            data.get("description"), data["brand"], data["model"], data.get("gtin"),
            data["unit"], str(data["price"]), data["stock"], data["lead_time_days"],
            json.dumps(data["regions"]), json.dumps(data["attributes"], ensure_ascii=False),
            data["valid_until"])
