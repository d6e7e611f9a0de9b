"""采购人主体责任: the accountability dashboard, its drill-down, and raising its flags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from mall.accounts.models import Role, User
from mall.center.pages.common import pages, read_guard, run_form, write_guard
from mall.db import db, utcnow
from mall.i18n import gettext as _
from mall.orders.models import Requisition
from mall.orders.services import accountability

# Sortable columns and the drill-down each figure opens.
COLUMNS = ("requisitions", "near_threshold_share", "split_catches", "top_supplier_share",
           "single_approver_share", "rejected_share", "cancelled_share")
DRILLDOWN = {"requisitions": "requisitions", "near_threshold_share": "near_threshold",
             "split_catches": "split_catches", "top_supplier_share": "top_supplier",
             "single_approver_share": "single_approver", "rejected_share": "rejected",
             "cancelled_share": "cancelled"}


def _year() -> int:
    value = request.args.get("year") or request.form.get("year") or ""
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else utcnow().year


@pages.get("/accountability")
@read_guard
def accountability_dashboard(user: User) -> Any:
    session = db.session()
    year = _year()
    thresholds = current_app.config["MALL"].thresholds
    report = accountability.accountability(session, year, thresholds)
    sort = request.args.get("sort") if request.args.get("sort") in COLUMNS else None
    if sort:
        report["items"].sort(key=lambda i: Decimal(str(i[sort])), reverse=True)
    purchaser = request.args.get("purchaser", "")
    figure = request.args.get("figure") if request.args.get("figure") in DRILLDOWN.values() \
        else None
    drill: list[Requisition] = []
    drilled = None
    if purchaser.isdigit() and figure:
        drilled = next((i for i in report["items"]
                        if i["purchaser"]["id"] == int(purchaser)), None)
        ids = drilled["requisition_ids"][figure] if drilled else []
        drill = list(session.scalars(select(Requisition).where(
            Requisition.id.in_(ids)).order_by(Requisition.id))) if ids else []
    return render_template(
        "center/accountability.html", report=report, year=year, sort=sort, columns=COLUMNS,
        drilldown=DRILLDOWN, drill=drill, drilled=drilled, figure=figure,
        thresholds=thresholds, may_write=user.has_role(Role.center_admin))


@pages.post("/accountability/flags")
@write_guard
def accountability_flags(user: User) -> Any:
    session = db.session()
    year = _year()
    raised: list[Any] = []

    def run() -> None:
        raised.extend(accountability.raise_flags(
            session, year, current_app.config["MALL"].thresholds, actor=user))

    run_form(session, run, _("Accountability flags checked for %(year)s.", year=year))
    return redirect(url_for("center_pages.accountability_dashboard", year=year))
