from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from mall.accounts.permissions import public
from mall.catalog.models import Category
from mall.db import db

pages = Blueprint("home", __name__)


@pages.get("/")
@public
def index() -> Any:
    top_categories = db.session.scalars(
        select(Category).where(Category.parent_id.is_(None)).order_by(Category.code)
    ).all()
    counts = dict(db.session.execute(
        select(Category.parent_id, func.count()).group_by(Category.parent_id)
    ).all())
    return render_template("home/index.html", categories=top_categories, child_counts=counts)
