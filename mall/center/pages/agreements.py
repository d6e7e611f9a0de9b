"""Agreements: the list, one agreement's lots, awards, ceilings and history, and their forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from mall.accounts.models import Organization, Role, User
from mall.catalog.models import Agreement, AgreementStatus, AwardStatus, Category, SecondStage
from mall.catalog.services import agreement_admin as admin
from mall.catalog.services import agreements
from mall.center import services
from mall.center.pages.common import (
    form_amount,
    form_int,
    form_reason,
    form_text,
    pages,
    read_guard,
    run_form,
    write_guard,
)
from mall.db import db
from mall.errors import RuleViolation
from mall.i18n import gettext as _

MAX_CEILING_FILE = 5 * 1024 * 1024


def _regions(value: str | None) -> list[str]:
    return [r.strip() for r in (value or "").replace(",", " ").split() if r.strip()]


def _back(number: str) -> Response:
    return redirect(url_for("center_pages.agreement", number=number))


def _on_agreement(number: str, change: Callable[[Session, Agreement], Any],
                  done: str) -> Response:
    """A form's write: the change on the agreement, locked; its outcome flashed; back to it."""
    session = db.session()
    run_form(session, lambda: change(session, agreements.get_agreement(session, number,
                                                                        lock=True)), done)
    return _back(number)


@pages.get("/")
@read_guard
def console(user: User) -> Any:
    """The console opens on the agreements."""
    return redirect(url_for("center_pages.agreement_list"))


@pages.get("/agreements")
@read_guard
def agreement_list(user: User) -> Any:
    status = request.args.get("status") or None
    rows = services.agreement_rows(db.session(), status, request.args.get("q"))
    categories = db.session.query(Category).order_by(Category.code).limit(2000).all()
    return render_template("center/agreements.html", rows=rows, status=status,
                           statuses=list(AgreementStatus), stages=list(SecondStage),
                           categories=categories, may_write=user.has_role(Role.center_admin))


@pages.post("/agreements")
@write_guard
def agreement_create(user: User) -> Any:
    session = db.session()
    form = request.form
    number = (form.get("number") or "").strip()

    def create() -> None:
        starts = admin.parse_date(form.get("starts_on"), "starts_on")
        ends = admin.parse_date(form.get("ends_on"), "ends_on")
        if not number or not (form.get("title") or "").strip() or not starts or not ends:
            raise RuleViolation(_("Number, title, start and end are required."),
                                code="agreement_refused")
        if ends < starts:
            raise RuleViolation(_("The agreement would end before it starts."),
                                code="agreement_refused")
        lots = []
        if (form.get("lot_code") or "").strip():
            lots.append({"code": form["lot_code"].strip(), "title": form.get("lot_title") or None,
                         "category_code": form.get("lot_category_code") or "",
                         "ceiling_price": form_amount(form.get("lot_ceiling"), "lot_ceiling")})
        agreements.create_agreement(session, user, {
            "number": number, "title": form["title"].strip(),
            "currency": (form.get("currency") or "CNY").strip().upper()[:3],
            "starts_on": starts, "ends_on": ends,
            "regions": _regions(form.get("regions")) or ["*"],
            "second_stage": form.get("second_stage") or SecondStage.direct,
            "lots": lots, "supplier_ids": []})

    if run_form(session, create, _("Agreement %(number)s created.", number=number)):
        return _back(number)
    return redirect(url_for("center_pages.agreement_list"))


@pages.get("/agreements/<number>")
@read_guard
def agreement(number: str, user: User) -> Any:
    session = db.session()
    found = agreements.get_agreement(session, number)
    categories = session.query(Category).order_by(Category.code).limit(2000).all()
    suppliers = {o.id: o for o in session.query(Organization).filter(Organization.id.in_(
        {c.supplier_id for c in admin.item_ceilings(session, found)} or {0}))}
    return render_template(
        "center/agreement.html", agreement=found, awards=services.award_rows(session, found),
        awardable=services.awardable_suppliers(session, found),
        ceilings=admin.item_ceilings(session, found), ceiling_suppliers=suppliers,
        history=admin.history(session, found), categories=categories,
        stages=list(SecondStage), may_write=user.has_role(Role.center_admin),
        award_active=AwardStatus.active.value)


@pages.post("/agreements/<number>/edit")
@write_guard
def agreement_edit(number: str, user: User) -> Any:
    form = request.form
    return _on_agreement(number, lambda session, found: admin.update_agreement(
        session, user, found, {
            "title": form_text(form.get("title")),
            "starts_on": admin.parse_date(form.get("starts_on"), "starts_on"),
            "ends_on": admin.parse_date(form.get("ends_on"), "ends_on"),
            "regions": _regions(form.get("regions")) or None,
            "second_stage": form.get("second_stage") or None}),
        _("Agreement %(number)s saved.", number=number))


@pages.post("/agreements/<number>/<any(suspend, reactivate):action>")
@write_guard
def agreement_status(number: str, action: str, user: User) -> Any:
    session = db.session()
    reason = form_reason(request.form)

    def change() -> None:
        if action == "suspend" and not reason:
            raise RuleViolation(_("Give a reason for suspending an agreement."),
                                code="reason_required")
        found = agreements.get_agreement(session, number, lock=True)
        status = AgreementStatus.suspended if action == "suspend" else AgreementStatus.active
        agreements.set_agreement_status(session, user, found, status, reason)

    run_form(session, change, _("Agreement %(number)s: %(action)s done; its offers are "
                                "reindexed within seconds.", number=number, action=action))
    return _back(number)


@pages.post("/agreements/<number>/lots")
@write_guard
def lot_add(number: str, user: User) -> Any:
    form = request.form
    return _on_agreement(number, lambda session, found: admin.add_lot(
        session, user, found, form.get("code") or "", form.get("category_code") or "",
        form.get("title") or None, form_amount(form.get("ceiling_price"), "ceiling_price")),
        _("Lot added."))


@pages.post("/agreements/<number>/lots/<code>")
@write_guard
def lot_edit(number: str, code: str, user: User) -> Any:
    form = request.form
    return _on_agreement(number, lambda session, found: admin.update_lot(
        session, user, found, code, form.get("title") or None,
        form_amount(form.get("ceiling_price"), "ceiling_price")),
        _("Lot %(code)s saved.", code=code))


@pages.post("/agreements/<number>/awards")
@write_guard
def award_add(number: str, user: User) -> Any:
    return _on_agreement(number, lambda session, found: admin.add_award(
        session, user, found, form_int(request.form.get("supplier_id"), "supplier_id")),
        _("Supplier awarded."))


@pages.post("/agreements/<number>/awards/<int:supplier_id>/"
            "<any(suspend, reinstate, remove):action>")
@write_guard
def award_action(number: str, supplier_id: int, action: str, user: User) -> Any:
    reason = form_reason(request.form)

    def change(session: Session, found: Agreement) -> None:
        if action == "remove":
            admin.remove_award(session, user, found, supplier_id, reason)
        else:
            status = AwardStatus.suspended if action == "suspend" else AwardStatus.active
            admin.set_award_status(session, user, found, supplier_id, status, reason)

    return _on_agreement(number, change, _("Award %(action)s done; the supplier's offers under "
                                           "this agreement are reindexed within seconds.",
                                           action=action))


@pages.post("/agreements/<number>/ceilings")
@write_guard
def ceilings_upload(number: str, user: User) -> Any:
    session = db.session()
    upload = request.files.get("file")

    def save() -> None:
        if upload is None or not upload.filename:
            raise RuleViolation(_("Choose a CSV file."), code="file_required")
        data = upload.read(MAX_CEILING_FILE + 1)
        if len(data) > MAX_CEILING_FILE:
            raise RuleViolation(_("The file is larger than 5 MB."), code="file_too_large")
        found = agreements.get_agreement(session, number, lock=True)
        admin.upload_item_ceilings(session, user, found, data)

    run_form(session, save, _("Item ceilings saved."))
    return _back(number)
