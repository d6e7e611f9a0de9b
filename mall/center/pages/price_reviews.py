"""Price rises held for the center's review, each next to its ceiling, 30-day low, the
market for the same product, and the offer's price history."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from mall.accounts.models import Role, User
from mall.catalog.models import Offer, PriceChange
from mall.catalog.serializers import price_review_json
from mall.catalog.services import prices
from mall.center import charts, services
from mall.center.pages.common import pages, read_guard, write_guard
from mall.db import db
from mall.errors import NotFound
from mall.forms import run_action
from mall.i18n import gettext as _


@pages.get("/price-reviews")
@read_guard
def price_reviews(user: User) -> Any:
    session = db.session()
    rows = session.execute(prices.price_reviews_query().limit(100)).all()
    reviews = [{**price_review_json(change, offer),
                "context": services.price_context(session, offer)} for change, offer in rows]
    return render_template("center/price_reviews.html", reviews=reviews,
                           may_decide=user.has_role(Role.center_admin))


@pages.get("/price-reviews/<int:change_id>")
@read_guard
def price_review(change_id: int, user: User) -> Any:
    session = db.session()
    change = session.get(PriceChange, change_id)
    if change is None:
        raise NotFound(f"No price change {change_id}.")
    offer = session.get(Offer, change.offer_id)
    assert offer is not None  # price_changes.offer_id is a foreign key
    history = services.price_history(session, offer)
    context = services.price_context(session, offer)
    labels = [h.changed_at.strftime("%Y-%m-%d %H:%M") for h in history]
    series: dict[str, list[Any]] = {_("Price"): [h.new_price for h in history]}
    if context["ceiling"] is not None:
        series[_("Ceiling")] = [context["ceiling"]] * len(history)
    chart = charts.line(_("Price history of %(sku)s", sku=offer.sku), labels, series)
    return render_template("center/price_review.html", review=price_review_json(change, offer),
                           offer=offer, change=change, history=history, context=context,
                           chart=chart, may_decide=user.has_role(Role.center_admin))


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
