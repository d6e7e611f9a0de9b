"""The public front page (categories), and each signed-in user's to-do list at ``/home``.

``/`` stays the catalogue's front door for everyone, signed in or not (it is what search
engines, bookmarks and the header's brand link show); the to-do list has its own address,
where the login form lands when no ``next`` page was asked for.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from mall.accounts.models import User
from mall.accounts.permissions import page_guard, public
from mall.catalog.models import Category
from mall.db import db
from mall.home import serializers, services

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


@pages.get("/home")
@page_guard()
def tasks(user: User) -> Any:
    """What waits for this user, one section per queue their roles give them."""
    sections = services.tasks_for(db.session(), user)
    return render_template("home/tasks.html",
                           tasks=serializers.tasks_view(sections, user))
