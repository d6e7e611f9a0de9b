"""The offer rules, shared by the single upsert, the PATCH and every feed row.

``check_offer`` never writes: it turns raw input into a ``CheckedOffer`` or a list of problems
``{field, code, message}``. Shape problems (missing or mistyped fields) and rule problems
(agreement, lot, category, attributes, ceiling, regions, dates, GTIN) are both reported, so a
supplier sees every reason at once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationStatus
from mall.catalog.models import (
    Agreement,
    AgreementStatus,
    AgreementSupplier,
    AttributeType,
    Category,
    CategoryAttribute,
    ItemCeiling,
    Lot,
)
from mall.catalog.schemas import MAX_PRICE_DIGITS, FeedRowSchema, OfferFieldsSchema
from mall.http import lone_surrogate_path, validation_problems

Problem = dict[str, str]
MAX_TEXT_ATTRIBUTE = 500
_NUMBER_WITH_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(\S.*?)?\s*$")

_OFFER_SCHEMA = OfferFieldsSchema()
_ROW_SCHEMA = FeedRowSchema()


def problem(field_name: str, code: str, message: str) -> Problem:
    return {"field": field_name, "code": code, "message": message}


@dataclass
class CheckedOffer:
    """Offer input that passed every rule, with what it resolved to."""

    sku: str
    data: dict[str, Any]
    agreement: Agreement
    lot: Lot
    category: Category
    ceiling: Decimal | None


@dataclass
class OfferCheck:
    checked: CheckedOffer | None
    problems: list[Problem] = field(default_factory=list)
    # True when some problem is about the input's shape (400) rather than a rule (422).
    malformed: bool = False


class CatalogLookup:
    """Agreements, categories, awards and ceilings, cached for one request or one feed.

    ``bulk`` loads a supplier's item ceilings per agreement once instead of one query a row.
    """

    def __init__(self, session: Session, bulk: bool = False) -> None:
        self.session = session
        self.bulk = bulk
        self._agreements: dict[str, Agreement | None] = {}
        self._categories: dict[str, Category | None] = {}
        self._awards: dict[tuple[int, int], bool] = {}
        self._ceilings: dict[tuple[int, int], dict[str, Decimal]] = {}

    def agreement(self, number: str) -> Agreement | None:
        if number not in self._agreements:
            self._agreements[number] = self.session.scalar(
                select(Agreement).where(Agreement.number == number))
        return self._agreements[number]

    def category(self, code: str) -> Category | None:
        if code not in self._categories:
            self._categories[code] = self.session.scalar(
                select(Category).where(Category.code == code))
        return self._categories[code]

    def awarded(self, agreement_id: int, supplier_id: int) -> bool:
        key = (agreement_id, supplier_id)
        if key not in self._awards:
            self._awards[key] = self.session.get(AgreementSupplier, key) is not None
        return self._awards[key]

    def item_ceiling(self, agreement_id: int, supplier_id: int, sku: str) -> Decimal | None:
        key = (agreement_id, supplier_id)
        if self.bulk and key in self._ceilings:  # the hot path of a feed: no SQL built
            return self._ceilings[key].get(sku)
        query = select(ItemCeiling.sku, ItemCeiling.ceiling_price).where(
            ItemCeiling.agreement_id == agreement_id, ItemCeiling.supplier_id == supplier_id)
        if not self.bulk:
            row = self.session.execute(query.where(ItemCeiling.sku == sku)).first()
            return row[1] if row else None
        self._ceilings[key] = {sku: price for sku, price in self.session.execute(query)}
        return self._ceilings[key].get(sku)


def effective_ceiling(lot_ceiling: Decimal | None, item_ceiling: Decimal | None) -> Decimal | None:
    """The lower of the lot ceiling and the awarded item's ceiling (None: no ceiling)."""
    known = [c for c in (lot_ceiling, item_ceiling) if c is not None]
    return min(known) if known else None


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the digits before it (any GTIN length)."""
    # Weights 3, 1, 3, ... from the digit next to the check digit leftwards.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(gtin: str) -> Problem | None:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return problem("gtin", "gtin_format", "A GTIN has 8, 12, 13 or 14 digits.")
    check, expected = int(gtin[-1]), gtin_check_digit(gtin[:-1])
    if check != expected:
        return problem("gtin", "gtin_check_digit",
                       f"The GTIN check digit is {check}; it should be {expected}.")
    return None


def region_covered(region: str, agreement_regions: list[str]) -> bool:
    served = set(agreement_regions or [])
    if "*" in served:
        return True
    return region in served or region.split("-")[0] in served


def _number(value: Any, spec: CategoryAttribute) -> tuple[int | float | None, str | None]:
    """A number attribute's value, or a problem code. Plain numbers are in the template's unit."""
    if isinstance(value, bool):
        return None, "attribute_type"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None, "attribute_type"
        return value, None
    if isinstance(value, str):
        match = _NUMBER_WITH_UNIT.match(value)
        if not match:
            return None, "attribute_type"
        number_text, unit = match.groups()
        if unit and (not spec.unit or unit.casefold() != spec.unit.casefold()):
            return None, "attribute_unit"
        number = float(number_text)
        return (int(number) if number.is_integer() and "." not in number_text else number), None
    return None, "attribute_type"


def check_attributes(
    template: list[CategoryAttribute], attributes: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    """Attributes normalized per the category template, or the problems with them."""
    by_key = {spec.key: spec for spec in template}
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in attributes.items():
        name = f"attributes.{key}"
        spec = by_key.get(key)
        if spec is None:
            known = ", ".join(by_key) or "none"
            problems.append(problem(name, "attribute_unknown",
                                    f"The category template has no attribute {key!r} "
                                    f"(known: {known})."))
            continue
        if value is None:
            continue  # treated as absent; the required check below catches it
        code: str | None = None
        if spec.type == AttributeType.enum:
            if not isinstance(value, str):
                code = "attribute_type"
            elif value not in (spec.allowed_values or []):
                code = "attribute_not_allowed"
        elif spec.type == AttributeType.number:
            value, code = _number(value, spec)
            if code is None and spec.allowed_values and value not in spec.allowed_values:
                code = "attribute_not_allowed"
        elif spec.type == AttributeType.bool:
            if not isinstance(value, bool):
                code = "attribute_type"
        elif not isinstance(value, str):
            code = "attribute_type"
        elif len(value) > MAX_TEXT_ATTRIBUTE:
            code = "attribute_too_long"
        if code is None:
            clean[key] = value
            continue
        problems.append(problem(name, code, _attribute_message(code, spec)))
    for spec in template:
        if spec.required and attributes.get(spec.key) is None:
            problems.append(problem(f"attributes.{spec.key}", "attribute_required",
                                    f"The category template requires {spec.key!r}."))
    return clean, problems


def _attribute_message(code: str, spec: CategoryAttribute) -> str:
    if code == "attribute_not_allowed":
        allowed = ", ".join(str(v) for v in spec.allowed_values or [])
        return f"{spec.key} must be one of: {allowed}."
    if code == "attribute_unit":
        unit = spec.unit or "no unit"
        return f"{spec.key} is measured in {unit}; send a plain number in {unit}."
    if code == "attribute_too_long":
        return f"{spec.key} takes at most {MAX_TEXT_ATTRIBUTE} characters."
    expected = {"enum": "one of the allowed strings", "number": "a number",
                "bool": "true or false", "text": "a string"}[spec.type]
    unit = f" in {spec.unit}" if spec.type == AttributeType.number and spec.unit else ""
    return f"{spec.key} must be {expected}{unit}."


_SHAPE_CODES = {"Missing data for required field.": "required",
                "Field may not be null.": "required",
                "Unknown field.": "unknown_field"}


def _shape_problems(messages: Any) -> list[Problem]:
    """marshmallow's messages by field, with a finer code than ``invalid`` where one is known."""
    return [{**p, "code": _SHAPE_CODES.get(p["message"], p["code"])}
            for p in validation_problems(messages)]


def load_offer_fields(
    raw: Mapping[str, Any], with_sku: bool = False
) -> tuple[dict[str, Any], list[Problem]]:
    """The offer's fields per the shared schema: (valid fields, shape problems)."""
    schema = _ROW_SCHEMA if with_sku else _OFFER_SCHEMA
    try:
        return schema.load(dict(raw)), []
    except ValidationError as exc:
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        return valid, _shape_problems(exc.messages)


def check_offer(
    lookup: CatalogLookup,
    supplier: Organization,
    sku: str,
    raw: Mapping[str, Any],
    today: date,
    *,
    pre_problems: list[Problem] | None = None,
    with_sku: bool = False,
) -> OfferCheck:
    """Every rule of issue 3 for one offer; writes nothing."""
    data, shape = load_offer_fields(raw, with_sku=with_sku)
    shape = [*(pre_problems or []), *shape]
    problems: list[Problem] = list(shape)
    if supplier.status != OrganizationStatus.active:
        problems.append(problem("supplier", "supplier_not_active",
                                f"The supplier is {supplier.status}."))

    agreement = lot = category = None
    if "agreement_number" in data:
        agreement = lookup.agreement(data["agreement_number"])
        if agreement is None:
            problems.append(problem("agreement_number", "agreement_unknown",
                                    f"No agreement {data['agreement_number']!r}."))
        else:
            if agreement.status != AgreementStatus.active:
                problems.append(problem("agreement_number", "agreement_not_active",
                                        f"Agreement {agreement.number} is {agreement.status}."))
            if not agreement.in_date(today):
                problems.append(problem(
                    "agreement_number", "agreement_not_in_date",
                    f"Agreement {agreement.number} runs {agreement.starts_on.isoformat()} to "
                    f"{agreement.ends_on.isoformat()}."))
            if not lookup.awarded(agreement.id, supplier.id):
                problems.append(problem("agreement_number", "supplier_not_awarded",
                                        f"This supplier is not awarded under "
                                        f"{agreement.number}."))
    if agreement is not None and "lot_code" in data:
        lot = next((x for x in agreement.lots if x.code == data["lot_code"]), None)
        if lot is None:
            problems.append(problem("lot_code", "lot_unknown",
                                    f"Agreement {agreement.number} has no lot "
                                    f"{data['lot_code']!r}."))
    if "category_code" in data:
        category = lookup.category(data["category_code"])
        if category is None:
            problems.append(problem("category_code", "category_unknown",
                                    f"No category {data['category_code']!r}."))
        elif lot is not None and lot.category.code not in category.ancestor_codes:
            problems.append(problem("category_code", "category_not_in_lot",
                                    f"Lot {lot.code} covers category {lot.category.code}, "
                                    f"not {category.code}."))
    if category is not None and "attributes" in data:
        data["attributes"], attr_problems = check_attributes(category.attributes,
                                                             data["attributes"])
        problems.extend(attr_problems)

    ceiling = None
    if "price" in data:
        price: Decimal = data["price"]
        exponent = price.as_tuple().exponent
        if price <= 0:
            problems.append(problem("price", "price_not_positive", "The price must be above 0."))
        elif isinstance(exponent, int) and exponent < -2:
            problems.append(problem("price", "price_precision",
                                    "A price has at most two decimals."))
        elif price >= Decimal(10) ** MAX_PRICE_DIGITS:
            problems.append(problem("price", "price_too_large", "The price is too large."))
        elif lot is not None and agreement is not None:
            ceiling = effective_ceiling(lot.ceiling_price,
                                        lookup.item_ceiling(agreement.id, supplier.id, sku))
            if ceiling is not None and price > ceiling:
                problems.append(problem("price", "price_above_ceiling",
                                        f"The price {price:.2f} is above the ceiling "
                                        f"{ceiling:.2f} {agreement.currency}."))
    if agreement is not None and "regions" in data:
        for region in data["regions"]:
            if not region_covered(region, agreement.regions):
                problems.append(problem("regions", "region_not_covered",
                                        f"Agreement {agreement.number} does not serve "
                                        f"{region}."))
    if "valid_until" in data:
        if data["valid_until"] <= today:
            problems.append(problem("valid_until", "valid_until_past",
                                    "valid_until must be in the future."))
        elif agreement is not None and data["valid_until"] > agreement.ends_on:
            problems.append(problem("valid_until", "valid_until_after_agreement",
                                    f"valid_until is after the agreement ends "
                                    f"({agreement.ends_on.isoformat()})."))
    if data.get("gtin") and (gtin_issue := gtin_problem(data["gtin"])) is not None:
        problems.append(gtin_issue)

    if problems or agreement is None or lot is None or category is None:
        return OfferCheck(None, problems, malformed=bool(shape))
    data["regions"] = sorted(set(data["regions"]))
    return OfferCheck(CheckedOffer(sku, data, agreement, lot, category, ceiling))


def parse_attributes_cell(text: str) -> tuple[Any, Problem | None]:
    """A CSV ``attributes`` cell holds one JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return None, problem("attributes", "invalid_json",
                             "The attributes cell must hold a JSON object.")
    if not isinstance(value, dict):
        return None, problem("attributes", "invalid_json",
                             "The attributes cell must hold a JSON object.")
    if lone_surrogate_path(value) is not None:
        return None, problem("attributes", "invalid_value",
                             "The attributes cell holds a \\u escape that is not a character.")
    return value, None
