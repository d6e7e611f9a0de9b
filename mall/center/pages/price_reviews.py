"""Price rises held for the center's review."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from mall.accounts.models import Role, User
from mall.catalog.serializers import price_review_json
from mall.catalog.services import prices
from mall.center.pages.common import pages, read_guard, write_guard
from mall.db import db
from mall.forms import run_action
from mall.i18n import gettext as _


@pages.get("/price-reviews")
@read_guard
def price_reviews(user: User) -> Any:
    rows = db.session.execute(prices.price_reviews_query().limit(100)).all()
    reviews = [price_review_json(change, offer) for change, offer in rows]
    return render_template("center/price_reviews.html", reviews=reviews,
                           may_decide=user.has_role(Role.center_admin))


@pages.post("/price-reviews/<int:change_id>/<any(approve, refuse):decision>")
@write_guard
def decide_price(change_id: int, decision: str, user: User) -> Any:
    session = db.session()
    reason = (request.form.get("reason") or "").strip()[:2000] or None
    if decision == "approve":
        run_action(session, lambda: prices.approve_price(session, user, change_id, reason),
                   _("Price rise #%(id)s approved.", id=change_id))
    elif not reason:
        flash(_("Give a reason for refusing."), "error")
    else:
        run_action(session, lambda: prices.refuse_price(session, user, change_id, reason),
                   _("Price rise #%(id)s refused.", id=change_id))
    return redirect(url_for("center_pages.price_reviews"))
