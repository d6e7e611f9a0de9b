"""Requirement checks against the catalogue, and versioned requirement standards.

Takes a session, never a Flask request; never commits.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit import services as audit
from mall.catalog.models import AttributeType, Category, CategoryAttribute, Product
from mall.errors import ConflictRetry, NotFound, RuleViolation
from mall.standards.models import RequirementOp, Standard
from mall.standards.rules import BLOCK, Finding, check_requirement

CURRENCY_BY_JURISDICTION = {"cn-central": "CNY", "us-federal": "USD"}
MAX_IN_VALUES = 100


# --- requirement checks -----------------------------------------------------------------------

def category_by_code(session: Session, code: str, field: str = "category_code") -> Category:
    category = session.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise RuleViolation(f"There is no category with the code {code!r}.",
                            code="unknown_category",
                            details={"problems": [{"field": field, "code": "unknown_category",
                                                   "message": f"No category {code!r}."}]})
    return category


def known_names(session: Session, category: Category | None = None
                ) -> tuple[list[str], list[str]]:
    """The catalogue's brands and models (of one category and its descendants, if given).

    Read from products, one row per item however many suppliers offer it.
    """
    query = select(Product.brand, Product.model).distinct()
    if category is not None:
        query = query.join(Category, Category.id == Product.category_id).where(
            Category.path.startswith(category.path))
    brands: set[str] = set()
    models: set[str] = set()
    for brand, model in session.execute(query):
        brands.add(brand)
        models.add(model)
    return sorted(brands), sorted(models)


def check_text(session: Session, text: str, category_code: str | None = None) -> list[Finding]:
    """The findings of ``text`` against the shipped rules and the catalogue's names."""
    category = category_by_code(session, category_code) if category_code else None
    brands, models = known_names(session, category)
    return check_requirement(text, brands, models)


def refuse_blocked_requirement(session: Session, text: str | None,
                               category_code: str | None = None) -> list[Finding]:
    """The findings of a requirement text; a 422 ``requirement_refused`` on any block."""
    if not text:
        return []
    findings = check_text(session, text, category_code)
    if any(f.severity == BLOCK for f in findings):
        raise RuleViolation(
            "The requirement text names a brand or model, or sets a condition that excludes "
            "suppliers without reason; rewrite the parts listed in details.findings.",
            code="requirement_refused",
            details={"findings": [f.as_json() for f in findings]})
    return findings


# --- standards ----------------------------------------------------------------------------------

def _problem(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _value_problem(spec: CategoryAttribute, value: Any, field: str,
                   check_allowed: bool) -> dict[str, str] | None:
    allowed = spec.allowed_values or []
    if spec.type == AttributeType.number:
        if not _is_number(value):
            unit = f" in {spec.unit}" if spec.unit else ""
            return _problem(field, "attribute_type", f"{spec.key} takes a number{unit}.")
    elif spec.type == AttributeType.bool:
        if not isinstance(value, bool):
            return _problem(field, "attribute_type", f"{spec.key} takes true or false.")
    elif not isinstance(value, str):
        return _problem(field, "attribute_type", f"{spec.key} takes a string.")
    if check_allowed and allowed and spec.type in (AttributeType.enum, AttributeType.number) \
            and value not in allowed:
        return _problem(field, "attribute_not_allowed",
                        f"{spec.key} must be one of: {', '.join(str(v) for v in allowed)}.")
    return None


def check_conditions(template: list[CategoryAttribute],
                     conditions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Problems of ``conditions`` against a category's attribute template, by field."""
    by_key = {spec.key: spec for spec in template}
    problems: list[dict[str, str]] = []
    for i, condition in enumerate(conditions):
        where = f"requirements.{i}"
        key, op, value = condition["attribute"], condition["op"], condition["value"]
        spec = by_key.get(key)
        if spec is None:
            problems.append(_problem(f"{where}.attribute", "attribute_unknown",
                                     f"The category template has no attribute {key!r} "
                                     f"(known: {', '.join(by_key) or 'none'})."))
            continue
        if op in (RequirementOp.gte, RequirementOp.lte):
            if spec.type != AttributeType.number:
                problems.append(_problem(f"{where}.op", "op_not_allowed",
                                         f"{op} compares numbers; {key} is {spec.type}."))
                continue
            found = _value_problem(spec, value, f"{where}.value", check_allowed=False)
        elif op == RequirementOp.in_:
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                problems.append(_problem(f"{where}.value", "attribute_type",
                                         f"in takes a list of 1 to {MAX_IN_VALUES} values."))
                continue
            found = next((p for j, item in enumerate(value)
                          if (p := _value_problem(spec, item, f"{where}.value.{j}", True))),
                         None)
        else:
            found = _value_problem(spec, value, f"{where}.value", check_allowed=True)
        if found:
            problems.append(found)
    return problems


def _conditions_json(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"attribute": c["attribute"], "op": c["op"], "value": c["value"]}
            for c in conditions]


def create_standard(session: Session, actor: User, data: dict[str, Any],
                    default_currency: str) -> Standard:
    """A new standard, or a new version of the standard with this code."""
    category = category_by_code(session, data["category_code"])
    problems = check_conditions(list(category.attributes), data["requirements"])
    if problems:
        raise RuleViolation("The requirements do not fit the category's attribute template.",
                            code="invalid_requirements", details={"problems": problems})
    latest = session.scalar(select(func.max(Standard.version))
                            .where(Standard.code == data["code"]))
    price: Decimal | None = data.get("reference_price")
    standard = Standard(
        code=data["code"], version=(latest or 0) + 1, category_id=category.id,
        title_zh=data["title_zh"], title_en=data["title_en"],
        guidance_zh=data.get("guidance_zh"), guidance_en=data.get("guidance_en"),
        grade=data.get("grade"), requirements=_conditions_json(data["requirements"]),
        reference_price=price,
        currency=(data.get("currency") or default_currency) if price is not None else None,
        created_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(standard)
            session.flush()
    except IntegrityError:
        raise ConflictRetry("Another version of this standard was saved at the same moment; "
                            "send it again.") from None
    audit.record(session, action="standard.create", target_type="standard",
                 target_id=standard.id, actor=actor,
                 after={"code": standard.code, "version": standard.version,
                        "category": category.code, "requirements": standard.requirements})
    return standard


def standards_query(session: Session, category_code: str | None = None) -> Select[Any]:
    """The latest version of every standard (of a category and its descendants)."""
    latest = (select(Standard.code, func.max(Standard.version).label("version"))
              .group_by(Standard.code).subquery())
    query = select(Standard).join(
        latest, (latest.c.code == Standard.code) & (latest.c.version == Standard.version))
    if category_code:
        category = category_by_code(session, category_code, field="category")
        query = query.join(Category, Category.id == Standard.category_id).where(
            Category.path.startswith(category.path))
    return query.order_by(Standard.code)


def get_standard(session: Session, code: str, version: int | None = None) -> Standard:
    query = select(Standard).where(Standard.code == code)
    if version is None:
        query = query.order_by(Standard.version.desc()).limit(1)
    else:
        query = query.where(Standard.version == version)
    standard = session.scalar(query)
    if standard is None:
        which = f" version {version}" if version is not None else ""
        raise NotFound(f"There is no standard {code!r}{which}.", code="standard_not_found",
                       details={"code": code, "version": version})
    return standard


def history(session: Session, code: str) -> list[tuple[int, datetime]]:
    rows = session.execute(select(Standard.version, Standard.created_at)
                           .where(Standard.code == code).order_by(Standard.version))
    return [(v, created) for v, created in rows]


def offer_search_request(standard: Standard, search_request: dict[str, Any]) -> dict[str, Any]:
    """A validated search request narrowed to the offers meeting ``standard``: its category
    and every condition (``mall.search.query.standard_filters`` turns them into filters)."""
    return {**search_request, "category": standard.category.code,
            "conditions": list(standard.requirements)}
