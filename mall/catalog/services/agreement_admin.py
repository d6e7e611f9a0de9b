"""The center's agreement administration: details, lots, awards, ceilings (CSV), history.

Every function takes the caller's session, never commits, and audits what it changed with
``target_type="agreement"`` so that the agreement's page shows one history. A change that
can alter what purchasers see writes one ``agreement`` outbox event; the indexer expands it
to every offer under the agreement.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, OrganizationStatus, User
from mall.audit import services as audit
from mall.audit.models import AuditEvent
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    AwardStatus,
    Category,
    ItemCeiling,
    Lot,
    Offer,
    OfferStatus,
    SecondStage,
)
from mall.catalog.services.agreements import set_item_ceilings
from mall.catalog.services.writes import OfferWrites, offer_snapshot
from mall.catalog.validation import Problem, effective_ceiling, problem
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.locks import locked_in_id_order
from mall.outbox.services import enqueue

EDITABLE = ("title", "starts_on", "ends_on", "regions", "second_stage")
CEILING_COLUMNS = ("supplier_id", "sku", "ceiling_price")
MAX_CEILING_ROWS = 20000


def _refuse(message: str, code: str, problems: list[Problem]) -> RuleViolation:
    return RuleViolation(message, code=code, details={"problems": problems})


def _record(session: Session, actor: User, agreement: Agreement, action: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None,
            reason: str | None = None) -> None:
    audit.record(session, action=action, target_type="agreement", target_id=agreement.id,
                 actor=actor, before=before, after=after, reason=reason)


def _reindex(session: Session, agreement: Agreement, why: str) -> None:
    enqueue(session, "agreement", [agreement.id], reason=why)


def update_agreement(session: Session, actor: User, agreement: Agreement,
                     changes: Mapping[str, Any]) -> Agreement:
    """Change the title, validity, regions or second stage; validity changes reindex."""
    changes = {k: v for k, v in changes.items() if k in EDITABLE and v is not None}
    if "regions" in changes:
        changes["regions"] = sorted(set(changes["regions"]))
    if "second_stage" in changes and changes["second_stage"] not in {s.value for s in SecondStage}:
        raise _refuse("Unknown second stage.", "agreement_refused", [
            problem("second_stage", "invalid", f"{changes['second_stage']!r}")])
    starts = changes.get("starts_on", agreement.starts_on)
    ends = changes.get("ends_on", agreement.ends_on)
    if ends < starts:
        raise _refuse("The agreement would end before it starts.", "agreement_refused", [
            problem("ends_on", "before_start", "ends_on must not be before starts_on")])
    before = {k: getattr(agreement, k) for k in changes if getattr(agreement, k) != changes[k]}
    if not before:
        return agreement
    for key in before:
        setattr(agreement, key, changes[key])
    if {"starts_on", "ends_on", "regions"} & set(before):
        _reindex(session, agreement, "agreement.update")
    session.flush()
    _record(session, actor, agreement, "agreement.update", before,
            {k: changes[k] for k in before})
    return agreement


def _lot(agreement: Agreement, code: str) -> Lot:
    for lot in agreement.lots:
        if lot.code == code:
            return lot
    raise NotFound(f"No lot {code!r} under {agreement.number}.")


def add_lot(session: Session, actor: User, agreement: Agreement, code: str,
            category_code: str, title: str | None = None,
            ceiling_price: Decimal | None = None) -> Lot:
    code = code.strip()
    if not code:
        raise _refuse("A lot needs a code.", "lot_refused", [
            problem("code", "required", "required")])
    if any(lot.code == code for lot in agreement.lots):
        raise Conflict(f"{agreement.number} already has a lot {code!r}.", code="duplicate_lot")
    category = session.scalar(select(Category).where(Category.code == category_code))
    if category is None:
        raise _refuse(f"No category {category_code!r}.", "lot_refused", [
            problem("category_code", "category_unknown", f"No category {category_code!r}.")])
    if ceiling_price is not None and ceiling_price <= 0:
        raise _refuse("A ceiling must be positive.", "lot_refused", [
            problem("ceiling_price", "not_positive", "must be above zero")])
    lot = Lot(code=code, title=title or None, category=category, ceiling_price=ceiling_price)
    agreement.lots.append(lot)
    session.flush()
    _record(session, actor, agreement, "agreement.lot_add", None,
            {"lot": code, "category_code": category_code, "title": title,
             "ceiling_price": ceiling_price})
    return lot


def update_lot(session: Session, actor: User, agreement: Agreement, code: str,
               title: str | None, ceiling_price: Decimal | None) -> Lot:
    """Retitle a lot or change its ceiling; active offers now above it are suspended."""
    lot = _lot(agreement, code)
    if ceiling_price is not None and ceiling_price <= 0:
        raise _refuse("A ceiling must be positive.", "lot_refused", [
            problem("ceiling_price", "not_positive", "must be above zero")])
    before = {"title": lot.title, "ceiling_price": lot.ceiling_price}
    after = {"title": title or None, "ceiling_price": ceiling_price}
    if before == after:
        return lot
    lowered = ceiling_price is not None and (
        lot.ceiling_price is None or ceiling_price < lot.ceiling_price)
    writes = OfferWrites()
    if lowered:
        offers = locked_in_id_order(session, select(Offer).where(
            Offer.lot_id == lot.id, Offer.status == OfferStatus.active), Offer)
        items = {(c.supplier_id, c.sku): c.ceiling_price for c in session.scalars(
            select(ItemCeiling).where(ItemCeiling.agreement_id == agreement.id))}
        for offer in offers:
            ceiling = effective_ceiling(ceiling_price, items.get((offer.supplier_id, offer.sku)))
            if ceiling is not None and offer.price > ceiling:
                snapshot = offer_snapshot(offer)
                offer.status = OfferStatus.suspended
                writes.changed(offer, actor, "offer.suspend", snapshot,
                               reason=f"price above the new lot ceiling {ceiling:.2f}")
    lot.title, lot.ceiling_price = title or None, ceiling_price
    session.flush()
    _record(session, actor, agreement, "agreement.lot_update", {"lot": code, **before},
            {"lot": code, **after})
    writes.finish(session)
    return lot


def _award(session: Session, agreement: Agreement, supplier_id: int,
           lock: bool = True) -> AgreementSupplier:
    query = select(AgreementSupplier).where(AgreementSupplier.agreement_id == agreement.id,
                                            AgreementSupplier.supplier_id == supplier_id)
    award = session.scalar(query.with_for_update(of=AgreementSupplier) if lock else query)
    if award is None:
        raise NotFound(f"Supplier {supplier_id} holds no award under {agreement.number}.")
    return award


def add_award(session: Session, actor: User, agreement: Agreement,
              supplier_id: int) -> AgreementSupplier:
    org = session.get(Organization, supplier_id)
    if org is None or org.kind != OrganizationKind.supplier:
        raise _refuse(f"Organization {supplier_id} is not a supplier.", "award_refused", [
            problem("supplier_id", "supplier_unknown", f"{supplier_id}")])
    if org.status != OrganizationStatus.active:
        raise _refuse(f"{org.name} is {org.status}.", "award_refused", [
            problem("supplier_id", "supplier_not_active", org.status)])
    if session.get(AgreementSupplier, (agreement.id, supplier_id)) is not None:
        raise Conflict(f"{org.name} is already awarded under {agreement.number}.",
                       code="duplicate_award")
    award = AgreementSupplier(agreement_id=agreement.id, supplier_id=supplier_id,
                              status=AwardStatus.active)
    session.add(award)
    _reindex(session, agreement, "agreement.award_add")
    session.flush()
    _record(session, actor, agreement, "agreement.award_add", None,
            {"supplier_id": supplier_id, "supplier": org.name})
    return award


def set_award_status(session: Session, actor: User, agreement: Agreement, supplier_id: int,
                     status: str, reason: str | None) -> AgreementSupplier:
    """Suspend (a reason is required) or reinstate one supplier's award under one agreement."""
    if status not in {s.value for s in AwardStatus}:
        raise _refuse("Unknown award status.", "award_refused", [
            problem("status", "invalid", status)])
    if status == AwardStatus.suspended and not (reason or "").strip():
        raise _refuse("Give a reason for suspending an award.", "reason_required", [
            problem("reason", "required", "required")])
    award = _award(session, agreement, supplier_id)
    if award.status == status:
        return award
    before = {"supplier_id": supplier_id, "status": award.status}
    award.status, award.status_reason = status, (reason or None)
    award.status_changed_at = utcnow()
    _reindex(session, agreement, f"agreement.award_{status}")
    session.flush()
    _record(session, actor, agreement,
            "agreement.award_suspend" if status == AwardStatus.suspended
            else "agreement.award_reinstate",
            before, {"supplier_id": supplier_id, "status": status}, reason)
    return award


def remove_award(session: Session, actor: User, agreement: Agreement, supplier_id: int,
                 reason: str | None) -> None:
    """End one award; the supplier's offers under the agreement leave search."""
    award = _award(session, agreement, supplier_id)
    before = {"supplier_id": supplier_id, "status": award.status}
    session.delete(award)
    _reindex(session, agreement, "agreement.award_remove")
    session.flush()
    _record(session, actor, agreement, "agreement.award_remove", before, None, reason)


def parse_ceiling_csv(data: bytes) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows ``supplier_id,sku,ceiling_price`` (a header line first); problems name the row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [problem("file", "encoding", "The file is not UTF-8.")]
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CEILING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [problem("header", "columns_missing",
                            f"Columns needed: {', '.join(CEILING_COLUMNS)}; "
                            f"missing: {', '.join(missing)}.")]
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for number, raw in enumerate(reader, start=2):  # line 1 is the header
        if number - 1 > MAX_CEILING_ROWS:
            problems.append(problem(f"row {number}", "too_many_rows",
                                    f"At most {MAX_CEILING_ROWS} rows."))
            break
        sku = (raw.get("sku") or "").strip()
        try:
            supplier_id = int((raw.get("supplier_id") or "").strip())
        except ValueError:
            problems.append(problem(f"row {number}", "supplier_id_invalid",
                                    f"supplier_id {raw.get('supplier_id')!r} is not a number."))
            continue
        try:
            price = Decimal((raw.get("ceiling_price") or "").strip())
        except InvalidOperation:
            price = Decimal("-1")
        if not sku or len(sku) > 64:
            problems.append(problem(f"row {number}", "sku_invalid", "sku is empty or too long."))
        elif not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")):
            problems.append(problem(f"row {number}", "ceiling_invalid",
                                    f"ceiling_price {raw.get('ceiling_price')!r} is not a "
                                    "positive amount with at most two decimals."))
        elif (supplier_id, sku) in seen:
            problems.append(problem(f"row {number}", "duplicate",
                                    f"{supplier_id}/{sku} appears twice."))
        else:
            seen.add((supplier_id, sku))
            rows.append({"supplier_id": supplier_id, "sku": sku, "ceiling_price": price,
                         "row": number})
    if not rows and not problems:
        problems.append(problem("file", "empty", "The file has no rows."))
    return rows, problems


def upload_item_ceilings(session: Session, actor: User, agreement: Agreement,
                         data: bytes) -> list[ItemCeiling]:
    """All rows or none: any row problem refuses the upload and lists every problem."""
    rows, problems = parse_ceiling_csv(data)
    awarded = set(session.scalars(select(AgreementSupplier.supplier_id).where(
        AgreementSupplier.agreement_id == agreement.id)))
    problems += [problem(f"row {r['row']}", "supplier_not_awarded",
                         f"Supplier {r['supplier_id']} is not awarded under {agreement.number}.")
                 for r in rows if r["supplier_id"] not in awarded]
    if problems:
        raise _refuse(f"The ceilings file has {len(problems)} problem(s); nothing was saved.",
                      "ceilings_refused", problems)
    return set_item_ceilings(session, actor, agreement,
                             [{k: r[k] for k in CEILING_COLUMNS} for r in rows])


def item_ceilings(session: Session, agreement: Agreement, limit: int = 500) -> list[ItemCeiling]:
    return list(session.scalars(select(ItemCeiling).where(
        ItemCeiling.agreement_id == agreement.id).order_by(
        ItemCeiling.supplier_id, ItemCeiling.sku).limit(limit)))


def history(session: Session, agreement: Agreement, limit: int = 200) -> list[AuditEvent]:
    """The agreement's audit events, newest first."""
    return list(session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "agreement",
        AuditEvent.target_id == str(agreement.id)).order_by(
        AuditEvent.id.desc()).limit(limit)))


def parse_date(value: str | None, field: str) -> date | None:
    """A form's ISO date, or None when empty; a bad date is refused naming the field."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse(f"{field}: {value!r} is not a date (YYYY-MM-DD).", "bad_date", [
            problem(field, "invalid", value)]) from None
