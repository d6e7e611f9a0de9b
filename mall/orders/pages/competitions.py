"""Competition pages: the purchaser follows, evaluates and awards; the supplier quotes.

Both sides read the same services as the API. Until quoting ends the purchaser sees counts
only (never who, never prices); a supplier never sees who else was invited. A supplier's
quote is final, so the form first shows what will be sent and asks to confirm.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from mall.accounts.models import Role, User
from mall.accounts.permissions import (
    PURCHASER,
    PURCHASING_ROLES,
    READER_ROLES,
    SUPPLIER,
    page_guard,
)
from mall.db import db, utcnow
from mall.errors import ApiError, refusal_text
from mall.forms import run_action
from mall.i18n import gettext as _
from mall.orders.models import Competition, CompetitionStatus, Requisition
from mall.orders.pages.blueprint import pages
from mall.orders.services import awards, competition_subjects, competitions

# --- the purchaser's side -----------------------------------------------------------------

@pages.get("/competitions")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def competition_list(user: User) -> Any:
    rows = db.session.scalars(
        select(Competition).join(Requisition)
        .where(Requisition.purchaser_organization_id == user.organization_id)
        .order_by((Competition.status == CompetitionStatus.open).desc(),
                  Competition.deadline.desc()).limit(100)).all()
    return render_template("orders/competitions.html", competitions=rows, now=utcnow())


@pages.get("/competitions/<int:competition_id>")
@page_guard(*READER_ROLES, kinds=PURCHASER)
def competition(competition_id: int, user: User) -> Any:
    now = utcnow()
    found = competitions.competition_for_purchaser(db.session(), user, competition_id)
    visible = competitions.quotes_visible_to_purchaser(found, now)
    table = awards.evaluation(db.session(), found) if visible else []
    may_act = user.has_role(Role.buyer, Role.approver)
    return render_template(
        "orders/competition.html", c=found, table=table, visible=visible, now=now,
        lines=competition_subjects.lines_of(db.session(), found),
        requirement_text=competition_subjects.requirement_text_of(db.session(), found),
        ends_at=competitions.quoting_ends_at(found),
        quoting_open=competitions.quoting_open(found, now),
        may_award=may_act and visible and found.status == CompetitionStatus.open
        and bool(table) and all(r.score is not None or found.method == "lowest_price"
                                for r in table),
        may_close=may_act and competitions.quoting_open(found, now)
        and len(found.quotes) == len(found.invitations),
        may_cancel=may_act and found.status == CompetitionStatus.open,
        disclosed=found.status == CompetitionStatus.awarded)


def _back(competition_id: int) -> Any:
    return redirect(url_for("orders_pages.competition", competition_id=competition_id))


@pages.post("/competitions/<int:competition_id>/award")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_award(competition_id: int, user: User) -> Any:
    session = db.session()
    quote_id = request.form.get("quote_id", type=int)
    reason = (request.form.get("reason") or "").strip()[:2000] or None
    run_action(session, lambda: awards.award(session, user, competition_id, quote_id, reason),
               _("Awarded: the order has been placed."))
    return _back(competition_id)


@pages.post("/competitions/<int:competition_id>/close")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_close(competition_id: int, user: User) -> Any:
    session = db.session()
    run_action(session, lambda: competitions.close_quoting(session, user, competition_id),
               _("Quoting has ended; the quotes can be evaluated."))
    return _back(competition_id)


@pages.post("/competitions/<int:competition_id>/cancel")
@page_guard(*PURCHASING_ROLES, kinds=PURCHASER)
def competition_cancel(competition_id: int, user: User) -> Any:
    session = db.session()
    reason = (request.form.get("reason") or "").strip()[:2000]
    run_action(session, lambda: competitions.cancel_competition(session, user, competition_id,
                                                                reason),
               _("The competition was cancelled."))
    return _back(competition_id)


# --- the supplier's side ------------------------------------------------------------------

@pages.get("/supplier/competitions")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_competition_list(user: User) -> Any:
    rows = db.session.scalars(competitions.supplier_invitations_query(user).limit(100)).all()
    standing = {c.id: competitions.supplier_standing(c, user.organization_id) for c in rows}
    lines = {c.id: competition_subjects.lines_of(db.session(), c) for c in rows}
    return render_template("orders/supplier_competitions.html", competitions=rows,
                           standing=standing, now=utcnow(), lines=lines)


def _supplier_view(user: User, competition_id: int, prices: dict[int, str] | None = None,
                   confirm: bool = False, technical: dict[str, str] | None = None) -> Any:
    session = db.session()
    found = competitions.competition_for_supplier(session, user, competition_id)
    now = utcnow()
    lines = competition_subjects.lines_of(session, found)
    ceilings = {line.id: competitions.ceiling_of(session, found, line, user.organization_id)
                for line in lines}
    own = next((q for q in found.quotes if q.supplier_id == user.organization_id), None)
    return render_template(
        "orders/supplier_competition.html", c=found, own=own, ceilings=ceilings,
        lines=lines, requirement_text=competition_subjects.requirement_text_of(session, found),
        prices=prices or {}, confirm=confirm, now=now, technical=technical or {},
        criteria=(found.evaluation_plan or {}).get("criteria", []),
        ends_at=competitions.quoting_ends_at(found),
        quoting_open=competitions.quoting_open(found, now),
        standing=competitions.supplier_standing(found, user.organization_id),
        total=_total(found, prices) if confirm and prices else None)


def _total(found: Competition, prices: dict[int, str]) -> Decimal:
    return sum((Decimal(prices[li.id]) * li.quantity
                for li in competition_subjects.lines_of(db.session(), found)),
               Decimal("0"))


@pages.get("/supplier/competitions/<int:competition_id>")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_competition(competition_id: int, user: User) -> Any:
    return _supplier_view(user, competition_id)


def _form_technical(found: Competition) -> dict[str, str] | None:
    """A best-value competition's answers from the form (``technical-<criterion key>``)."""
    if not found.evaluation_plan:
        return None
    return {c["key"]: (request.form.get(f"technical-{c['key']}") or "").strip()[:5000]
            for c in found.evaluation_plan["criteria"]}


def _form_prices(found: Competition) -> tuple[dict[int, str], list[str]]:
    """The unit price per line from the form, and what is wrong with the entries."""
    prices: dict[int, str] = {}
    problems: list[str] = []
    for line in competition_subjects.lines_of(db.session(), found):
        raw = (request.form.get(f"price-{line.id}") or "").strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            problems.append(_("%(sku)s: enter a unit price such as 12.50.", sku=line.sku))
            continue
        if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
            problems.append(_("%(sku)s: a unit price has at most two decimals.",
                              sku=line.sku))
            continue
        prices[line.id] = f"{value:.2f}"
    return prices, problems


@pages.post("/supplier/competitions/<int:competition_id>/review")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_quote_review(competition_id: int, user: User) -> Any:
    """Check the prices (ceilings, every line) and show them for the final confirmation."""
    session = db.session()
    found = competitions.competition_for_supplier(session, user, competition_id)
    prices, problems = _form_prices(found)
    technical = _form_technical(found)
    if not problems:
        try:
            competitions.check_quote(session, found, user.organization,
                                     [{"line_id": k, "unit_price": v}
                                      for k, v in prices.items()], technical)
        except ApiError as exc:
            problems = [refusal_text(p["message"], p.get("code"))
                        for p in (exc.details or {}).get("problems", [])] \
                or [refusal_text(exc.message, exc.code)]
    for problem in problems:
        flash(problem, "error")
    return _supplier_view(user, competition_id, prices, confirm=not problems,
                          technical=technical)


@pages.post("/supplier/competitions/<int:competition_id>/quote")
@page_guard(Role.supplier_admin, kinds=SUPPLIER)
def supplier_quote_submit(competition_id: int, user: User) -> Any:
    session = db.session()
    found = competitions.competition_for_supplier(session, user, competition_id)
    prices, problems = _form_prices(found)
    if problems or request.form.get("confirm") != "1":
        for problem in problems or [_("Confirm the quote first.")]:
            flash(problem, "error")
        return redirect(url_for("orders_pages.supplier_competition",
                                competition_id=competition_id))
    lines = [{"line_id": k, "unit_price": v} for k, v in prices.items()]
    technical = _form_technical(found)
    run_action(session, lambda: competitions.submit_quote(session, user, competition_id, lines,
                                                          technical=technical),
               _("Your quote was submitted; it is final."))
    return redirect(url_for("orders_pages.supplier_competition",
                            competition_id=competition_id))
