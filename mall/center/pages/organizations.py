"""Organizations and their users: purchasers' limits, addresses and jurisdiction, suppliers'
size and status, contacts, users and roles."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from mall.accounts import services as accounts
from mall.accounts import user_admin
from mall.accounts.models import (
    ROLES_BY_KIND,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    SizeClass,
    User,
)
from mall.catalog.services.agreement_admin import parse_date
from mall.center import services
from mall.center.pages.common import (
    form_amount,
    form_reason,
    form_text,
    pages,
    read_guard,
    run_form,
    write_guard,
)
from mall.config import JURISDICTIONS
from mall.db import db, utcnow
from mall.errors import NotFound, RuleViolation
from mall.i18n import gettext as _

REGION = re.compile(r"^(\*|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
MAX_ADDRESSES = 20


def _org(org_id: int, lock: bool = False) -> Organization:
    org = db.session.get(Organization, org_id, with_for_update=lock)
    if org is None:
        raise NotFound(f"No organization {org_id}.")
    return org


def _back(org_id: int) -> Response:
    return redirect(url_for("center_pages.organization", org_id=org_id))


def _on_organization(org_id: int, change: Callable[[Session, Organization], Any],
                     done: str) -> Response:
    """A form's write: the change on the organization, locked; its outcome flashed; back."""
    session = db.session()
    run_form(session, lambda: change(session, _org(org_id, lock=True)), done)
    return _back(org_id)


def _bad(field: str, message: str) -> RuleViolation:
    return RuleViolation(f"{field}: {message}", code="organization_refused", details={
        "problems": [{"field": field, "code": "invalid", "message": message}]})


@pages.get("/organizations")
@read_guard
def organization_list(user: User) -> Any:
    args = request.args
    rows = services.organization_rows(db.session(), args.get("kind") or None,
                                      args.get("status") or None, args.get("q"))
    return render_template("center/organizations.html", rows=rows, kinds=list(OrganizationKind),
                           statuses=list(OrganizationStatus), sizes=list(SizeClass),
                           may_write=user.has_role(Role.center_admin))


@pages.post("/organizations")
@write_guard
def organization_create(user: User) -> Any:
    session = db.session()
    form = request.form
    created: list[Organization] = []

    def create() -> None:
        kind, region = form.get("kind") or "", (form.get("region") or "").strip().upper()
        if kind not in {k.value for k in OrganizationKind}:
            raise _bad("kind", _("choose a kind"))
        if not REGION.match(region):
            raise _bad("region", _("a region code such as CN-BJ"))
        name = (form.get("name") or "").strip()[:200]
        if not name:
            raise _bad("name", _("required"))
        size = form.get("size") or None
        if size is not None and size not in {s.value for s in SizeClass}:
            raise _bad("size", _("choose a size class"))
        created.append(accounts.create_organization(
            session, user, name=name, kind=kind, region=region, size=size,
            credit_code=(form.get("credit_code") or "").strip()[:32] or None))

    if run_form(session, create, _("Organization created.")):
        return _back(created[0].id)
    return redirect(url_for("center_pages.organization_list"))


@pages.get("/organizations/<int:org_id>")
@read_guard
def organization(org_id: int, user: User) -> Any:
    session = db.session()
    org = _org(org_id)
    members = list(session.scalars(select(User).where(User.organization_id == org.id)
                                   .order_by(User.name)))
    return render_template(
        "center/organization.html", org=org, members=members,
        roles=sorted(r.value for r in ROLES_BY_KIND[OrganizationKind(org.kind)]),
        history=services.organization_history(session, org),
        sync=services.search_sync_state(session, org), sizes=list(SizeClass),
        statuses=list(OrganizationStatus), jurisdictions=JURISDICTIONS,
        may_write=user.has_role(Role.center_admin))


@pages.post("/organizations/<int:org_id>/edit")
@write_guard
def organization_edit(org_id: int, user: User) -> Any:
    form = request.form

    def edit(session: Session, org: Organization) -> None:
        changes: dict[str, Any] = {
            "contact_email": form_text(form.get("contact_email"), 254),
            "contact_phone": form_text(form.get("contact_phone"), 40),
        }
        if changes["contact_email"] and "@" not in changes["contact_email"]:
            raise _bad("contact_email", _("not an e-mail address"))
        if org.kind == OrganizationKind.supplier:
            if form.get("size") not in {s.value for s in SizeClass}:
                raise _bad("size", _("choose a size class"))
            changes["size"] = form["size"]
        if org.kind == OrganizationKind.purchaser:
            approvers = (form.get("collective_approvers") or "").strip()
            if approvers and (not approvers.isdigit() or int(approvers) < 2):
                raise _bad("collective_approvers", _("at least 2"))
            changes["approval_limits"] = {
                "one_approver_above": form_amount(form.get("one_approver_above"),
                                                  "one_approver_above"),
                "collective_above": form_amount(form.get("collective_above"),
                                                "collective_above"),
                "collective_approvers": int(approvers) if approvers else None}
            jurisdiction = form.get("jurisdiction") or None
            if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
                raise _bad("jurisdiction", _("unknown jurisdiction"))
            changes["jurisdiction"] = jurisdiction
            addresses = [line.strip()[:300] for line in
                         (form.get("delivery_addresses") or "").splitlines() if line.strip()]
            if len(addresses) > MAX_ADDRESSES:
                raise _bad("delivery_addresses", _("at most 20 addresses"))
            changes["delivery_addresses"] = addresses
        accounts.update_organization(session, user, org, changes)

    return _on_organization(org_id, edit, _("Organization saved."))


@pages.post("/organizations/<int:org_id>/status")
@write_guard
def organization_status(org_id: int, user: User) -> Any:
    form = request.form
    status = form.get("status") or ""
    reason = form_reason(form)

    def change(session: Session, org: Organization) -> None:
        if status not in {s.value for s in OrganizationStatus}:
            raise _bad("status", _("choose a status"))
        if status != OrganizationStatus.active and not reason:
            raise _bad("reason", _("give a reason for suspending or debarring"))
        if org.id == user.organization_id:
            raise _bad("status", _("the center cannot change its own status"))
        active = status == OrganizationStatus.active
        accounts.update_organization(session, user, org, {
            "status": status, "reason": reason, "status_reason": None if active else reason,
            "status_since": utcnow(),
            "status_until": None if active else parse_date(form.get("until"), "until")})

    org = _org(org_id)
    done = _("Status saved.")
    if org.kind == OrganizationKind.supplier:
        done = _("Status saved. The supplier's offers are reindexed through the outbox: "
                 "search shows the change within seconds.")
    return _on_organization(org_id, change, done)


@pages.post("/organizations/<int:org_id>/users")
@write_guard
def user_create(org_id: int, user: User) -> Any:
    session = db.session()
    form = request.form
    run_form(session, lambda: accounts.create_user(
        session, user, email=form.get("email") or "", password=form.get("password") or "",
        name=(form.get("name") or "").strip()[:200], organization=_org(org_id),
        roles=form.getlist("roles")), _("User created."))
    return _back(org_id)


@pages.post("/users/<int:user_id>/<any(roles, activate, deactivate):action>")
@write_guard
def user_action(user_id: int, action: str, user: User) -> Any:
    session = db.session()
    target = session.scalar(select(User).where(User.id == user_id).with_for_update(of=User))
    if target is None:
        raise NotFound(f"No user {user_id}.")
    org_id = target.organization_id
    reason = form_reason(request.form)
    if action == "roles":
        run_form(session, lambda: user_admin.set_roles(
            session, user, target, request.form.getlist("roles")), _("Roles saved."))
    else:
        run_form(session, lambda: user_admin.set_active(
            session, user, target, action == "activate", reason), _("User saved."))
    return _back(org_id)
