"""Categories and their attribute templates (the requirement standards offers are checked by)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit import services as audit
from mall.catalog.models import Category, CategoryAttribute
from mall.catalog.serializers import category_json
from mall.catalog.validation import problem
from mall.errors import Conflict, RuleViolation


def create_category(session: Session, actor: User, data: Mapping[str, Any]) -> Category:
    if session.scalar(select(Category.id).where(Category.code == data["code"])):
        raise Conflict(f"A category {data['code']!r} exists.", code="duplicate_category")
    parent = None
    if data.get("parent_code"):
        parent = session.scalar(select(Category).where(Category.code == data["parent_code"]))
        if parent is None:
            raise RuleViolation("No such parent category.", code="unknown_parent", details={
                "problems": [problem("parent_code", "category_unknown",
                                     f"No category {data['parent_code']!r}.")]})
    category = Category(
        scheme=data["scheme"], code=data["code"], parent=parent,
        path=f"{parent.path if parent else '/'}{data['code']}/",
        name_zh=data["name_zh"], name_en=data["name_en"],
        attributes=[
            CategoryAttribute(key=a["key"], name_zh=a["name_zh"], name_en=a["name_en"],
                              type=a["type"], unit=a.get("unit"),
                              allowed_values=a.get("values"), facet=a["facet"],
                              required=a["required"], position=i)
            for i, a in enumerate(data.get("attributes", []))
        ],
    )
    session.add(category)
    session.flush()
    audit.record(session, action="category.create", target_type="category",
                 target_id=category.id, actor=actor, after=category_json(category))
    return category
