"""Supplier pages (blueprint ``catalog_pages``, under /supplier).

Own offers with price and stock edits, feed upload and its row-by-row report.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy import func, select

from mall.accounts.models import Role, User
from mall.accounts.permissions import SUPPLIER, page_guard
from mall.catalog.feeds.applying import stored_report
from mall.catalog.feeds.queued import import_upload
from mall.catalog.models import FeedImport, Offer, OfferStatus
from mall.catalog.schemas import OfferPatchSchema
from mall.catalog.services import prices
from mall.catalog.services.offers import patch_offer
from mall.db import db
from mall.errors import ApiError, error_page
from mall.forms import about, describe_errors, refusal
from mall.http import FEED_BODY_LIMIT, accepts_body
from mall.i18n import gettext as _

pages = Blueprint("catalog_pages", __name__, url_prefix="/supplier")
PER_PAGE = 50


@pages.get("/offers")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def offers(user: User) -> Any:
    status = request.args.get("status") or None
    if status not in (None, *(s.value for s in OfferStatus)):
        status = None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(Offer).where(Offer.supplier_id == user.organization_id)
    if status:
        query = query.where(Offer.status == status)
    # One offer by its SKU: where the to-do list links a refused price change.
    sku = (request.args.get("sku") or "").strip()[:64] or None
    if sku:
        query = query.where(Offer.sku == sku)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Offer.sku).limit(PER_PAGE)
                           .offset((page - 1) * PER_PAGE)).all()
    # Why a rise was refused, so the supplier is not left guessing at the old price.
    refused = prices.refused_rises(session, [o.id for o in rows])
    return render_template("catalog/offers.html", offers=rows, total=total, page=page,
                           refused=refused,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), status=status, sku=sku,
                           statuses=[s.value for s in OfferStatus])


@pages.post("/offers/<sku>")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def update_offer(sku: str, user: User) -> Any:
    """Change price or stock by hand; refusals are shown field by field."""
    form = {k: v.strip() for k, v in request.form.items()
            if k in ("price", "stock", "status") and v.strip()}
    session = db.session()
    try:
        changes = OfferPatchSchema().load(form)
        result = patch_offer(session, user.organization, user, sku, changes)
    except ValidationError as exc:
        flash(about(sku, " ".join(describe_errors(exc.messages))), "error")
    except ApiError as exc:
        session.rollback()
        flash(about(sku, refusal(exc)), "error")
    else:
        session.commit()
        flash(_("%(sku)s: saved. The price rise awaits the center's review.", sku=sku)
              if result.price_in_review else _("%(sku)s: saved.", sku=sku), "ok")
    return redirect(request.referrer or url_for("catalog_pages.offers"))


@pages.get("/feeds")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def feeds(user: User) -> Any:
    rows = db.session.scalars(select(FeedImport).where(
        FeedImport.supplier_id == user.organization_id).order_by(FeedImport.id.desc())
        .limit(20)).all()
    return render_template("catalog/feeds.html", feeds=rows)


@pages.post("/feeds")
@accepts_body(FEED_BODY_LIMIT)
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def upload_feed(user: User) -> Any:
    upload = request.files.get("feed")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV or JSON Lines file."), "error")
        return redirect(url_for("catalog_pages.feeds"))
    name = upload.filename.lower()
    content_type = "application/x-ndjson" if name.endswith((".jsonl", ".ndjson")) \
        else "application/xml" if name.endswith(".xml") else "text/csv"  # .xml: PEPPOL
    try:
        feed_id, _job = import_upload(db.session(), user.organization, user, upload.stream,
                                   content_type)
    except ApiError as exc:
        flash(_("The file was refused: %(reason)s", reason=refusal(exc)), "error")
        return redirect(url_for("catalog_pages.feeds"))
    return redirect(url_for("catalog_pages.feed", feed_id=feed_id))


@pages.get("/feeds/<int:feed_id>")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def feed(feed_id: int, user: User) -> Any:
    row = db.session.get(FeedImport, feed_id)
    if row is None or row.supplier_id != user.organization_id:
        return error_page(404, _("No such feed import."))
    return render_template("catalog/feed.html", report=stored_report(db.session(), row))
