"""Joint purchase pages: the list with the opening form, and one campaign for every role.

The lead and the center open, watch the aggregate, close and (the lead) award; purchasers
in scope join, change, withdraw and see the outcome and their own order. Suppliers quote on
the competition's own pages (``/supplier/competitions/{id}``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from mall.accounts.models import OrganizationKind, Role, User
from mall.accounts.permissions import CENTER, PURCHASER, page_guard
from mall.db import db, utcnow
from mall.errors import ApiError
from mall.forms import run_action
from mall.i18n import gettext as _
from mall.joint.serializers import joint_purchase_json
from mall.joint.services import award, campaigns, closing, commitments, reports
from mall.joint.views import MANAGERS, READERS
from mall.orders.services.facts import Settings

pages = Blueprint("joint_pages", __name__, template_folder="templates")


def _back(campaign_id: int) -> Any:
    return redirect(url_for("joint_pages.campaign", campaign_id=campaign_id))


@pages.get("/joint-purchases")
@page_guard(*READERS, kinds=PURCHASER + CENTER)
def campaign_list(user: User) -> Any:
    session = db.session()
    rows = [joint_purchase_json(session, c, user) | {"closes_at_time": c.closes_at}
            for c in campaigns.visible_campaigns(session, user)]
    may_create = ((user.organization.kind == OrganizationKind.center
                   and user.has_role(Role.center_admin))
                  or (user.organization.kind == OrganizationKind.purchaser
                      and user.has_role(Role.buyer)))
    return render_template("joint/list.html", rows=rows, may_create=may_create)


@pages.get("/joint-purchases/report")
@page_guard(*READERS, kinds=PURCHASER + CENTER)
def report(user: User) -> Any:
    """Joint purchases of one year: participants, volume, savings (as the API's report)."""
    raw = (request.args.get("year") or "").strip()
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else utcnow().year
    own = None if campaigns.is_center(user) else user.organization_id
    body = reports.joint_purchases(db.session(), year, own)
    return render_template("joint/report.html", year=year, items=body["items"],
                           totals=body["totals"])


def _form_data() -> dict[str, Any]:
    """The opening form as the API's request, or ValueError naming the field."""
    form = request.form
    try:
        closes_at = datetime.fromisoformat(form.get("closes_at", ""))
    except ValueError:
        raise ValueError(_("Enter the closing time as 2027-01-31T17:00.")) from None
    try:
        deliver_by = date.fromisoformat(form.get("deliver_by", ""))
    except ValueError:
        raise ValueError(_("Enter the delivery date as 2027-02-28.")) from None
    product = (form.get("product_id") or "").strip()
    minimum = (form.get("min_quantity") or "").strip()
    if (product and not product.isdigit()) or (minimum and not minimum.isdigit()):
        raise ValueError(_("Product and minimum quantity are whole numbers."))
    return {
        "title": (form.get("title") or "").strip()[:300] or "-",
        "agreement_number": (form.get("agreement_number") or "").strip()[:64],
        "lot_code": (form.get("lot_code") or "").strip()[:32],
        "product_id": int(product) if product else None,
        "standard_code": (form.get("standard_code") or "").strip()[:64] or None,
        "closes_at": closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=UTC),
        "deliver_by": deliver_by,
        "requirement_text": (form.get("requirement_text") or "").strip()[:20_000] or None,
        "scope": {"regions": [r.strip().upper() for r in
                              (form.get("regions") or "").replace(",", " ").split()][:100]},
        "min_quantity": int(minimum) if minimum else None,
    }


@pages.post("/joint-purchases")
@page_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def campaign_create(user: User) -> Any:
    session = db.session()
    try:
        data = _form_data()
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("joint_pages.campaign_list"))
    try:
        created = campaigns.create_campaign(session, user, data)
    except ApiError as exc:
        session.rollback()
        findings = (exc.details or {}).get("findings") or []
        flash(exc.message + "".join(f" [{f['code']}] {f['message_en']}" for f in findings),
              "error")
        return redirect(url_for("joint_pages.campaign_list"))
    session.commit()
    flash(_("The joint purchase is open."), "ok")
    return _back(created.id)


@pages.get("/joint-purchases/<int:campaign_id>")
@page_guard(*READERS, kinds=PURCHASER + CENTER)
def campaign(campaign_id: int, user: User) -> Any:
    session = db.session()
    found = campaigns.campaign_for(session, user, campaign_id)
    body = joint_purchase_json(session, found, user, detail=True)
    body["closes_at_time"] = found.closes_at  # the local_time filter takes a datetime
    is_buyer = (user.organization.kind == OrganizationKind.purchaser
                and user.has_role(Role.buyer))
    still_open = found.status == "open" and utcnow() < found.closes_at.replace(
        tzinfo=found.closes_at.tzinfo or UTC)
    return render_template(
        "joint/campaign.html", jp=body, may_commit=is_buyer and still_open,
        may_close=campaigns.may_manage(found, user) and found.status == "open",
        may_award=campaigns.may_manage(found, user) and found.status == "competing")


@pages.post("/joint-purchases/<int:campaign_id>/commit")
@page_guard(Role.buyer, kinds=PURCHASER)
def commit(campaign_id: int, user: User) -> Any:
    session = db.session()
    raw = (request.form.get("quantity") or "").strip()
    if not raw.isdigit() or int(raw) < 1:
        flash(_("Enter a quantity of at least 1."), "error")
        return _back(campaign_id)
    region = (request.form.get("delivery_region") or "").strip().upper()[:16] or None
    settings = Settings.from_app_config(current_app.config)
    run_action(session, lambda: commitments.commit(session, settings, user, campaign_id,
                                                   int(raw), region),
               _("Your commitment is recorded."))
    return _back(campaign_id)


@pages.post("/joint-purchases/<int:campaign_id>/withdraw")
@page_guard(Role.buyer, kinds=PURCHASER)
def withdraw(campaign_id: int, user: User) -> Any:
    session = db.session()
    run_action(session, lambda: commitments.withdraw(session, user, campaign_id),
               _("Your commitment was withdrawn."))
    return _back(campaign_id)


@pages.post("/joint-purchases/<int:campaign_id>/close")
@page_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def close(campaign_id: int, user: User) -> Any:
    session = db.session()
    settings = Settings.from_app_config(current_app.config)
    run_action(session, lambda: closing.close_by(session, settings, user, campaign_id),
               _("The joint purchase is closed."))
    return _back(campaign_id)


@pages.post("/joint-purchases/<int:campaign_id>/award")
@page_guard(*MANAGERS, kinds=PURCHASER + CENTER)
def award_page(campaign_id: int, user: User) -> Any:
    session = db.session()
    run_action(session, lambda: award.award_campaign(session, user, campaign_id),
               _("Awarded: each participant's requisition has been made."))
    return _back(campaign_id)
