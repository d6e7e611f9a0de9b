"""Framework agreements: lots, awarded suppliers, ceilings and status."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, OrganizationStatus, User
from mall.audit import services as audit
from mall.catalog.models import (
    Agreement,
    AgreementStatus,
    AgreementSupplier,
    Category,
    ItemCeiling,
    Lot,
    Offer,
    OfferStatus,
    PriceChangeStatus,
)
from mall.catalog.serializers import agreement_json
from mall.catalog.services.prices import close_pending
from mall.catalog.services.writes import OfferWrites, offer_snapshot
from mall.catalog.validation import Problem, effective_ceiling, problem
from mall.errors import Conflict, NotFound, RuleViolation
from mall.locks import locked_in_id_order
from mall.outbox.services import enqueue


def create_agreement(session: Session, actor: User, data: Mapping[str, Any]) -> Agreement:
    if session.scalar(select(Agreement.id).where(Agreement.number == data["number"])):
        raise Conflict(f"An agreement {data['number']!r} exists.", code="duplicate_agreement")
    problems: list[Problem] = []
    lots = []
    for i, lot in enumerate(data["lots"]):
        category = session.scalar(select(Category).where(Category.code == lot["category_code"]))
        if category is None:
            problems.append(problem(f"lots.{i}.category_code", "category_unknown",
                                    f"No category {lot['category_code']!r}."))
            continue
        lots.append(Lot(code=lot["code"], title=lot.get("title"), category=category,
                        ceiling_price=lot.get("ceiling_price")))
    supplier_ids = sorted(set(data.get("supplier_ids", [])))
    found = {o.id: o for o in session.scalars(
        select(Organization).where(Organization.id.in_(supplier_ids)))} if supplier_ids else {}
    for sid in supplier_ids:
        org = found.get(sid)
        if org is None or org.kind != OrganizationKind.supplier:
            problems.append(problem("supplier_ids", "supplier_unknown",
                                    f"Organization {sid} is not a supplier."))
        elif org.status != OrganizationStatus.active:
            problems.append(problem("supplier_ids", "supplier_not_active",
                                    f"Supplier {sid} is {org.status}."))
    if problems:
        raise RuleViolation("The agreement breaks the catalog rules; nothing was created.",
                            code="agreement_refused", details={"problems": problems})
    agreement = Agreement(
        number=data["number"], title=data["title"], currency=data["currency"],
        starts_on=data["starts_on"], ends_on=data["ends_on"],
        regions=sorted(set(data["regions"])), second_stage=data["second_stage"],
        status=AgreementStatus.active, lots=lots,
        awards=[AgreementSupplier(supplier_id=sid) for sid in supplier_ids],
    )
    session.add(agreement)
    session.flush()
    audit.record(session, action="agreement.create", target_type="agreement",
                 target_id=agreement.id, actor=actor, after=agreement_json(agreement))
    return agreement


def get_agreement(session: Session, number: str, lock: bool = False) -> Agreement:
    query = select(Agreement).where(Agreement.number == number)
    agreement = session.scalar(query.with_for_update() if lock else query)
    if agreement is None:
        raise NotFound(f"No agreement {number!r}.")
    return agreement


def set_item_ceilings(
    session: Session, actor: User, agreement: Agreement, rows: list[Mapping[str, Any]]
) -> list[ItemCeiling]:
    """Upsert per-item ceilings; an offer now above its ceiling is suspended (and reindexed).

    The affected offers are locked first, in id order, and the audit events are written
    last (the lock order of ``mall.locks``).
    """
    awarded = set(session.scalars(select(AgreementSupplier.supplier_id).where(
        AgreementSupplier.agreement_id == agreement.id)))
    problems = [problem(f"{i}.supplier_id", "supplier_not_awarded",
                        f"Supplier {row['supplier_id']} is not awarded under {agreement.number}.")
                for i, row in enumerate(rows) if row["supplier_id"] not in awarded]
    if problems:
        raise RuleViolation("Some ceilings name suppliers outside the agreement.",
                            code="ceilings_refused", details={"problems": problems})
    pairs = {(row["supplier_id"], row["sku"]) for row in rows}
    offers = {(o.supplier_id, o.sku): o for o in locked_in_id_order(session, select(Offer).where(
        Offer.agreement_id == agreement.id,
        tuple_(Offer.supplier_id, Offer.sku).in_(sorted(pairs))), Offer)} if pairs else {}
    saved, events = [], []
    writes = OfferWrites()
    for row in rows:
        ceiling = session.scalar(select(ItemCeiling).where(
            ItemCeiling.agreement_id == agreement.id,
            ItemCeiling.supplier_id == row["supplier_id"], ItemCeiling.sku == row["sku"]))
        before = None if ceiling is None else {"ceiling_price": ceiling.ceiling_price}
        if ceiling is None:
            ceiling = ItemCeiling(agreement_id=agreement.id, supplier_id=row["supplier_id"],
                                  sku=row["sku"], ceiling_price=row["ceiling_price"])
            session.add(ceiling)
        else:
            ceiling.ceiling_price = row["ceiling_price"]
        events.append({"action": "agreement.ceiling", "target_type": "agreement",
                       "target_id": agreement.id, "actor": actor, "before": before,
                       "after": {"supplier_id": row["supplier_id"], "sku": row["sku"],
                                 "ceiling_price": row["ceiling_price"]}})
        saved.append(ceiling)
        offer = offers.get((row["supplier_id"], row["sku"]))
        if offer is not None:
            _suspend_above_ceiling(session, actor, offer, row["ceiling_price"], writes)
    session.flush()
    audit.record_many(session, events)
    writes.finish(session)
    return saved


def _suspend_above_ceiling(session: Session, actor: User, offer: Offer,
                           item_ceiling: Decimal, writes: OfferWrites) -> None:
    """Refuse a pending rise above the new ceiling, and suspend an offer priced above it."""
    ceiling = effective_ceiling(offer.lot.ceiling_price, item_ceiling)
    assert ceiling is not None  # the item ceiling is always known here
    if offer.pending_price is not None and offer.pending_price > ceiling:
        close_pending(session, offer, PriceChangeStatus.refused, actor)
        offer.pending_price = None
    if offer.price > ceiling and offer.status == OfferStatus.active:
        before = offer_snapshot(offer)
        offer.status = OfferStatus.suspended
        writes.changed(offer, actor, "offer.suspend", before,
                       reason=f"price above the new ceiling {ceiling:.2f}")


def set_agreement_status(session: Session, actor: User, agreement: Agreement, status: str,
                         reason: str | None = None) -> Agreement:
    """Suspend or reactivate; one outbox event, which the indexer expands to every offer."""
    before = {"status": agreement.status}
    if agreement.status == status:
        return agreement
    agreement.status = status
    enqueue(session, "agreement", [agreement.id], reason=f"agreement.{status}")
    session.flush()
    audit.record(session, action="agreement.update", target_type="agreement",
                 target_id=agreement.id, actor=actor, before=before, after={"status": status},
                 reason=reason)
    return agreement
