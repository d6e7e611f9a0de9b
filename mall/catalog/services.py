"""Catalog business logic: categories, agreements, offers, price reviews and expiry.

Every function takes the caller's session and never commits (feeds.import_feed is the one
exception: it commits per batch). Each change that purchasers can see writes an outbox row,
and each change writes an audit event, in the same transaction as the change itself.

Price rule: a rise of more than ``price_rise_review_share`` over the lowest price applied in
the last 30 days (or the live price, if lower) is not published. The live price stays what
purchasers see and buy at, the new price waits in ``offer.pending_price`` with a
``pending_review`` PriceChange, and the offer's status is unchanged (an active offer stays
visible at its old, truthful price) until the center approves or refuses it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, OrganizationKind, OrganizationStatus, User
from mall.audit import services as audit
from mall.catalog.models import (
    Agreement,
    AgreementStatus,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    ItemCeiling,
    Lot,
    Offer,
    OfferStatus,
    PriceChange,
    PriceSource,
)
from mall.catalog.products import ProductKey, find_or_create_products
from mall.catalog.schemas import SKU
from mall.catalog.validation import (
    CatalogLookup,
    CheckedOffer,
    Problem,
    check_offer,
    effective_ceiling,
    problem,
)
from mall.db import utcnow
from mall.errors import BadRequest, Conflict, NotFound, RuleViolation
from mall.http import money
from mall.outbox.services import enqueue

PRICE_WINDOW_DAYS = 30
DEFAULT_REVIEW_SHARE = Decimal("0.30")


def today() -> date:
    return date.today()


def review_share() -> Decimal:
    """The configured share (``MALL_PRICE_RISE_REVIEW_SHARE``), from the app when there is one."""
    from flask import current_app, has_app_context

    if has_app_context():
        return Decimal(current_app.config["MALL"].price_rise_review_share)
    return Decimal(os.environ.get("MALL_PRICE_RISE_REVIEW_SHARE") or DEFAULT_REVIEW_SHARE)


class OfferRefused(RuleViolation):
    """One offer broke rules; ``problems`` lists each by field and code."""

    def __init__(self, problems: list[Problem], malformed: bool = False) -> None:
        message = ("The offer is not valid." if malformed
                   else "The offer breaks the catalog rules; nothing was changed.")
        super().__init__(message, code="validation_failed" if malformed else "offer_refused",
                         status=400 if malformed else 422, details={"problems": problems})
        self.problems = problems


# --- categories ---------------------------------------------------------------------------


def create_category(session: Session, actor: User, data: Mapping[str, Any]) -> Category:
    if session.scalar(select(Category.id).where(Category.code == data["code"])):
        raise Conflict(f"A category {data['code']!r} exists.", code="duplicate_category")
    parent = None
    if data.get("parent_code"):
        parent = session.scalar(select(Category).where(Category.code == data["parent_code"]))
        if parent is None:
            raise RuleViolation("No such parent category.", code="unknown_parent", details={
                "problems": [problem("parent_code", "category_unknown",
                                     f"No category {data['parent_code']!r}.")]})
    category = Category(
        scheme=data["scheme"], code=data["code"], parent=parent,
        path=f"{parent.path if parent else '/'}{data['code']}/",
        name_zh=data["name_zh"], name_en=data["name_en"],
        attributes=[
            CategoryAttribute(key=a["key"], name_zh=a["name_zh"], name_en=a["name_en"],
                              type=a["type"], unit=a.get("unit"),
                              allowed_values=a.get("values"), facet=a["facet"],
                              required=a["required"], position=i)
            for i, a in enumerate(data.get("attributes", []))
        ],
    )
    session.add(category)
    session.flush()
    audit.record(session, action="category.create", target_type="category",
                 target_id=category.id, actor=actor, after=category_json(category))
    return category


def category_json(category: Category) -> dict[str, Any]:
    return {
        "id": category.id,
        "scheme": category.scheme,
        "code": category.code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "parent_code": category.parent.code if category.parent else None,
        "path": category.ancestor_codes,
        "attributes": [
            {"key": a.key, "name_zh": a.name_zh, "name_en": a.name_en, "type": a.type,
             "unit": a.unit, "values": a.allowed_values, "facet": a.facet,
             "required": a.required}
            for a in category.attributes
        ],
    }


# --- agreements ---------------------------------------------------------------------------


def agreement_json(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "number": agreement.number,
        "title": agreement.title,
        "currency": agreement.currency,
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
        "regions": list(agreement.regions or []),
        "second_stage": agreement.second_stage,
        "status": agreement.status,
        "lots": [
            {"code": lot.code, "title": lot.title, "category_code": lot.category.code,
             "ceiling_price": money(lot.ceiling_price, agreement.currency)}
            for lot in agreement.lots
        ],
        "supplier_ids": sorted(a.supplier_id for a in agreement.awards),
    }


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
    """Upsert per-item ceilings; an offer now above its ceiling is suspended (and reindexed)."""
    awarded = set(session.scalars(select(AgreementSupplier.supplier_id).where(
        AgreementSupplier.agreement_id == agreement.id)))
    problems = [problem(f"{i}.supplier_id", "supplier_not_awarded",
                        f"Supplier {row['supplier_id']} is not awarded under {agreement.number}.")
                for i, row in enumerate(rows) if row["supplier_id"] not in awarded]
    if problems:
        raise RuleViolation("Some ceilings name suppliers outside the agreement.",
                            code="ceilings_refused", details={"problems": problems})
    saved = []
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
        session.flush()
        audit.record(session, action="agreement.ceiling", target_type="agreement",
                     target_id=agreement.id, actor=actor, before=before,
                     after={"supplier_id": row["supplier_id"], "sku": row["sku"],
                            "ceiling_price": row["ceiling_price"]})
        saved.append(ceiling)
        _suspend_above_ceiling(session, actor, agreement, row["supplier_id"], row["sku"],
                               row["ceiling_price"])
    return saved


def _suspend_above_ceiling(session: Session, actor: User, agreement: Agreement,
                           supplier_id: int, sku: str, item_ceiling: Decimal) -> None:
    offer = session.scalar(select(Offer).where(
        Offer.supplier_id == supplier_id, Offer.sku == sku,
        Offer.agreement_id == agreement.id).with_for_update(of=Offer))
    if offer is None:
        return
    ceiling = effective_ceiling(offer.lot.ceiling_price, item_ceiling)
    assert ceiling is not None  # the item ceiling is always known here
    if offer.pending_price is not None and offer.pending_price > ceiling:
        _close_pending(session, offer, "refused", actor)
        offer.pending_price = None
    if offer.price > ceiling and offer.status == OfferStatus.active:
        before = offer_snapshot(offer)
        offer.status = OfferStatus.suspended
        _changed(session, offer, actor, "offer.suspend", before,
                 reason=f"price above the new ceiling {ceiling:.2f}")


def offer_ceiling(session: Session, offer: Offer) -> Decimal | None:
    """The lower of the offer's lot ceiling and its item ceiling (None: no ceiling)."""
    item = CatalogLookup(session).item_ceiling(offer.agreement_id, offer.supplier_id, offer.sku)
    return effective_ceiling(offer.lot.ceiling_price, item)


def set_agreement_status(session: Session, actor: User, agreement: Agreement, status: str,
                         reason: str | None = None) -> Agreement:
    """Suspend or reactivate; every offer under it is reindexed, so purchasers see it at once."""
    before = {"status": agreement.status}
    if agreement.status == status:
        return agreement
    agreement.status = status
    offer_ids = session.scalars(select(Offer.id).where(Offer.agreement_id == agreement.id)).all()
    enqueue(session, "offer", offer_ids, reason=f"agreement.{status}")
    session.flush()
    audit.record(session, action="agreement.update", target_type="agreement",
                 target_id=agreement.id, actor=actor, before=before, after={"status": status},
                 reason=reason)
    return agreement


# --- offers -------------------------------------------------------------------------------


def offer_snapshot(offer: Offer) -> dict[str, Any]:
    return {
        "sku": offer.sku, "status": offer.status, "price": offer.price,
        "pending_price": offer.pending_price, "stock": offer.stock,
        "agreement_id": offer.agreement_id, "lot_id": offer.lot_id,
        "category_id": offer.category_id, "product_id": offer.product_id,
        "title": offer.title, "title_en": offer.title_en, "brand": offer.brand,
        "model": offer.model, "gtin": offer.gtin, "unit": offer.unit,
        "lead_time_days": offer.lead_time_days, "regions": offer.regions,
        "attributes": offer.attributes, "valid_until": offer.valid_until,
        "description": offer.description, "version": offer.version,
    }


class OfferWrites:
    """The bookkeeping offer changes share, written together: price history, outbox, audit.

    One change (an API call) or a whole feed batch is finished with one flush, so a feed
    does not pay several database round trips per row.
    """

    def __init__(self) -> None:
        self._prices: list[tuple[Offer, Decimal | None, Decimal, str, str, User | None]] = []
        self._changes: list[tuple[Offer, User | None, str, dict[str, Any] | None,
                                  str | None, bool]] = []

    def price(self, offer: Offer, old: Decimal | None, new: Decimal, source: str,
              status: str, actor: User | None) -> None:
        self._prices.append((offer, old, new, source, status, actor))

    def changed(self, offer: Offer, actor: User | None, action: str,
                before: dict[str, Any] | None, reason: str | None = None,
                reindex: bool = True) -> None:
        if before is not None:
            offer.version = (offer.version or 1) + 1
        self._changes.append((offer, actor, action, before, reason, reindex))

    def finish(self, session: Session) -> None:
        session.flush()  # new offers get their ids
        now = utcnow()
        prices = [{"offer_id": offer.id, "old_price": old, "new_price": new, "source": source,
                   "status": status, "changed_by_id": getattr(actor, "id", None),
                   "changed_at": now}
                  for offer, old, new, source, status, actor in self._prices]
        if prices:
            session.execute(insert(PriceChange), prices)
        by_reason: dict[str, list[int]] = {}
        for offer, _, action, _, _, reindex in self._changes:
            if reindex:
                by_reason.setdefault(action, []).append(offer.id)
        for action, offer_ids in by_reason.items():
            enqueue(session, "offer", offer_ids, reason=action)
        audit.record_many(session, [
            {"action": action, "target_type": "offer", "target_id": offer.id, "actor": actor,
             "before": before, "after": offer_snapshot(offer), "reason": reason}
            for offer, actor, action, before, reason, _ in self._changes])
        session.flush()
        self._prices, self._changes = [], []


def _changed(session: Session, offer: Offer, actor: User | None, action: str,
             before: dict[str, Any] | None, reason: str | None = None,
             reindex: bool = True) -> None:
    writes = OfferWrites()
    writes.changed(offer, actor, action, before, reason, reindex)
    writes.finish(session)


@dataclass
class OfferResult:
    offer: Offer
    created: bool
    changed: bool
    price_in_review: bool


def find_offer(session: Session, supplier_id: int, sku: str, lock: bool = False) -> Offer | None:
    query = select(Offer).where(Offer.supplier_id == supplier_id, Offer.sku == sku)
    return session.scalar(query.with_for_update(of=Offer) if lock else query)


def own_offer(session: Session, supplier: Organization, sku: str, lock: bool = False) -> Offer:
    """The supplier's own offer; another supplier's SKU is simply not found (no leak)."""
    offer = find_offer(session, supplier.id, sku, lock=lock)
    if offer is None:
        raise NotFound(f"You have no offer {sku!r}.")
    return offer


def _lowest_recent_price(session: Session, offer: Offer) -> Decimal:
    since = utcnow() - timedelta(days=PRICE_WINDOW_DAYS)
    lowest = session.scalar(select(func.min(PriceChange.new_price)).where(
        PriceChange.offer_id == offer.id, PriceChange.status == "applied",
        PriceChange.changed_at >= since))
    return offer.price if lowest is None else min(lowest, offer.price)


def _close_pending(session: Session, offer: Offer, status: str, actor: User | None) -> None:
    session.execute(
        update(PriceChange)
        .where(PriceChange.offer_id == offer.id, PriceChange.status == "pending_review")
        .values(status=status, reviewed_by_id=getattr(actor, "id", None),
                reviewed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _apply_price(session: Session, offer: Offer, new_price: Decimal, actor: User | None,
                 source: str, share: Decimal, writes: OfferWrites) -> bool:
    """Publish ``new_price`` or hold it for review; True when it went to review."""
    if offer.pending_price is not None and new_price != offer.pending_price:
        _close_pending(session, offer, "superseded", actor)
        offer.pending_price = None
    if new_price == offer.price or new_price == offer.pending_price:
        return offer.pending_price is not None
    baseline = _lowest_recent_price(session, offer)
    if new_price > baseline * (1 + share):
        offer.pending_price = new_price
        writes.price(offer, offer.price, new_price, source, "pending_review", actor)
        return True
    writes.price(offer, offer.price, new_price, source, "applied", actor)
    offer.price = new_price
    return False


class ProductCache:
    """Product ids by grouping key, bounded so a feed's memory stays flat."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._ids: dict[ProductKey, int] = {}

    @staticmethod
    def key(category_id: int, brand: str, model: str, gtin: str | None) -> ProductKey:
        # GTIN-8/12/13 are GTIN-14 with leading zeros: the same item whatever its length.
        return (category_id, brand, model, gtin.zfill(14) if gtin else None)

    def prefetch(self, session: Session, keys: list[ProductKey]) -> None:
        missing = [k for k in keys if k not in self._ids]
        if not missing:
            return
        if len(self._ids) + len(missing) > self.limit:
            self._ids.clear()
        self._ids.update(find_or_create_products(session, missing))

    def product_id(self, session: Session, category_id: int, brand: str, model: str,
                   gtin: str | None) -> int:
        key = self.key(category_id, brand, model, gtin)
        self.prefetch(session, [key])
        return self._ids[key]


_CONTENT_FIELDS = ("title", "title_en", "description", "brand", "model", "gtin", "unit",
                   "stock", "lead_time_days", "regions", "attributes", "valid_until")


def apply_checked_offer(
    session: Session,
    supplier: Organization,
    actor: User | None,
    checked: CheckedOffer,
    existing: Offer | None,
    source: str,
    share: Decimal,
    products: ProductCache | None = None,
    writes: OfferWrites | None = None,
) -> OfferResult:
    """Write a validated offer (new or existing); a no-op when nothing differs.

    With ``writes`` the caller finishes the bookkeeping (a feed batch); else it is done here.
    """
    if writes is None:
        own = OfferWrites()
        result = apply_checked_offer(session, supplier, actor, checked, existing, source, share,
                                     products, own)
        own.finish(session)
        return result
    data = checked.data
    products = products or ProductCache()
    product_id = None
    if (existing is None or existing.brand != data["brand"] or existing.model != data["model"]
            or existing.gtin != data.get("gtin") or existing.category_id != checked.category.id):
        product_id = products.product_id(session, checked.category.id, data["brand"],
                                         data["model"], data.get("gtin"))
    if existing is None:
        offer = Offer(
            supplier_id=supplier.id, sku=checked.sku, agreement_id=checked.agreement.id,
            lot_id=checked.lot.id, category_id=checked.category.id, product_id=product_id,
            currency=checked.agreement.currency, price=data["price"], status=OfferStatus.active,
            version=1, **{k: data.get(k) for k in _CONTENT_FIELDS},
        )
        session.add(offer)
        writes.price(offer, None, data["price"], source, "applied", actor)
        writes.changed(offer, actor, "offer.create", None)
        return OfferResult(offer, created=True, changed=True, price_in_review=False)

    offer = existing
    before = offer_snapshot(offer)
    for key in _CONTENT_FIELDS:
        value = data.get(key)
        if getattr(offer, key) != value:
            setattr(offer, key, value)
    offer.agreement_id = checked.agreement.id
    offer.lot_id = checked.lot.id
    offer.category_id = checked.category.id
    offer.currency = checked.agreement.currency
    if product_id is not None:
        offer.product_id = product_id
    offer.status = OfferStatus.active  # an upsert that passes every rule publishes the offer
    in_review = _apply_price(session, offer, data["price"], actor, source, share, writes)
    after = offer_snapshot(offer)
    if after == before:
        return OfferResult(offer, created=False, changed=False, price_in_review=in_review)
    writes.changed(offer, actor, "offer.update", before,
             reason="price rise held for review" if in_review and
             before["pending_price"] != offer.pending_price else None)
    return OfferResult(offer, created=False, changed=True, price_in_review=in_review)


def upsert_offer(
    session: Session,
    supplier: Organization,
    actor: User | None,
    sku: str,
    raw: Mapping[str, Any],
    source: str = PriceSource.api,
    on: date | None = None,
) -> OfferResult:
    """Create or replace one offer; refused (OfferRefused) with every problem, changing nothing."""
    if not isinstance(raw, Mapping):
        raise BadRequest("Send the offer as a JSON object.", code="invalid_json")
    if "sku" in raw and raw["sku"] != sku:
        raise OfferRefused([problem("sku", "sku_mismatch",
                                    "The body's sku differs from the one in the URL.")], True)
    raw = {k: v for k, v in raw.items() if k != "sku"}
    try:
        SKU(sku)
    except Exception:
        raise OfferRefused([problem("sku", "invalid", "Use 1-64 letters, digits, '.', '_', "
                                    "':' or '-'.")], True) from None
    check = check_offer(CatalogLookup(session), supplier, sku, raw, on or today())
    if check.checked is None:
        raise OfferRefused(check.problems, check.malformed)
    existing = find_offer(session, supplier.id, sku, lock=True)
    return apply_checked_offer(session, supplier, actor, check.checked, existing, source,
                               review_share())


def _offer_fields(offer: Offer) -> dict[str, Any]:
    """An existing offer as upsert input, so a PATCH is checked by the same rules."""
    data: dict[str, Any] = {
        "agreement_number": offer.agreement.number, "lot_code": offer.lot.code,
        "category_code": offer.category.code, "price": str(offer.price),
        "valid_until": offer.valid_until.isoformat(),
    }
    for key in _CONTENT_FIELDS:
        value = getattr(offer, key)
        if key == "valid_until":
            continue
        if value is not None:
            data[key] = value
    return data


def patch_offer(session: Session, supplier: Organization, actor: User, sku: str,
                changes: Mapping[str, Any], source: str = PriceSource.api) -> OfferResult:
    """Change price, stock or status; the result must pass the same rules as an upsert."""
    offer = own_offer(session, supplier, sku, lock=True)
    if offer.status == OfferStatus.delisted and changes.get("status") != OfferStatus.active:
        raise RuleViolation("The offer is delisted; publish it again with PUT.",
                            code="offer_delisted")
    raw = _offer_fields(offer)
    if "price" in changes:
        raw["price"] = str(changes["price"])
    if "stock" in changes:
        raw["stock"] = changes["stock"]
    target_status = changes.get("status", offer.status)
    if target_status == OfferStatus.active or offer.status == OfferStatus.active:
        check = check_offer(CatalogLookup(session), supplier, sku, raw, today())
        if check.checked is None:
            raise OfferRefused(check.problems, check.malformed)
    before = offer_snapshot(offer)
    writes = OfferWrites()
    in_review = offer.pending_price is not None
    if "price" in changes:
        in_review = _apply_price(session, offer, changes["price"], actor, source,
                                 review_share(), writes)
    if "stock" in changes:
        offer.stock = changes["stock"]
    offer.status = target_status
    if offer_snapshot(offer) == before:
        return OfferResult(offer, created=False, changed=False, price_in_review=in_review)
    writes.changed(offer, actor, "offer.update", before)
    writes.finish(session)
    return OfferResult(offer, created=False, changed=True, price_in_review=in_review)


def delist_offer(session: Session, supplier: Organization, actor: User, sku: str) -> Offer:
    offer = own_offer(session, supplier, sku, lock=True)
    if offer.status == OfferStatus.delisted:
        return offer
    before = offer_snapshot(offer)
    if offer.pending_price is not None:
        _close_pending(session, offer, "superseded", actor)
        offer.pending_price = None
    offer.status = OfferStatus.delisted
    _changed(session, offer, actor, "offer.delist", before)
    return offer


def offer_json(offer: Offer) -> dict[str, Any]:
    """The supplier's view of its own offer (includes what purchasers do not see)."""
    return {
        "id": offer.id,
        "sku": offer.sku,
        "status": offer.status,
        "version": offer.version,
        "price": money(offer.price, offer.currency),
        "pending_price": money(offer.pending_price, offer.currency),
        "agreement_number": offer.agreement.number,
        "lot_code": offer.lot.code,
        "category_code": offer.category.code,
        "product_id": offer.product_id,
        "title": offer.title,
        "title_en": offer.title_en,
        "description": offer.description,
        "brand": offer.brand,
        "model": offer.model,
        "gtin": offer.gtin,
        "unit": offer.unit,
        "stock": offer.stock,
        "lead_time_days": offer.lead_time_days,
        "regions": list(offer.regions or []),
        "attributes": dict(offer.attributes or {}),
        "valid_until": offer.valid_until.isoformat(),
        "updated_at": offer.updated_at.isoformat() if offer.updated_at else None,
    }


def public_offer_json(session: Session, offer: Offer) -> dict[str, Any]:
    """What purchasers see of a visible offer: never the pending price."""
    since = utcnow() - timedelta(days=PRICE_WINDOW_DAYS)
    history = session.execute(
        select(PriceChange.new_price, PriceChange.changed_at)
        .where(PriceChange.offer_id == offer.id, PriceChange.status == "applied",
               PriceChange.changed_at >= since)
        .order_by(PriceChange.changed_at.desc(), PriceChange.id.desc()).limit(10)
    ).all()
    category = offer.category
    return {
        "id": offer.id,
        "offer_id": offer.id,
        "product_id": offer.product_id,
        "sku": offer.sku,
        "title": offer.title,
        "title_en": offer.title_en,
        "description": offer.description,
        "brand": offer.brand,
        "model": offer.model,
        "gtin": offer.gtin,
        "unit": offer.unit,
        "price": money(offer.price, offer.currency),
        "stock": offer.stock,
        "in_stock": offer.stock > 0,
        "lead_time_days": offer.lead_time_days,
        "regions": list(offer.regions or []),
        "attributes": dict(offer.attributes or {}),
        "valid_until": offer.valid_until.isoformat(),
        "supplier": {"id": offer.supplier.id, "name": offer.supplier.name,
                     "size": offer.supplier.size, "sme": offer.supplier.is_sme},
        "agreement": {"id": offer.agreement.id, "number": offer.agreement.number,
                      "title": offer.agreement.title,
                      "ends_on": offer.agreement.ends_on.isoformat(),
                      "second_stage": offer.agreement.second_stage},
        "category": {"code": category.code, "name": category.name_zh,
                     "name_zh": category.name_zh, "name_en": category.name_en},
        "price_history": [{"price": money(price, offer.currency), "at": at.isoformat()}
                          for price, at in history],
    }


# --- price reviews ------------------------------------------------------------------------


def price_review_json(change: PriceChange, offer: Offer) -> dict[str, Any]:
    rise = ((change.new_price - change.old_price) / change.old_price
            if change.old_price else None)
    return {
        "id": change.id,
        "offer_id": offer.id,
        "sku": offer.sku,
        "supplier": {"id": offer.supplier.id, "name": offer.supplier.name},
        "title": offer.title,
        "old_price": money(change.old_price, offer.currency),
        "new_price": money(change.new_price, offer.currency),
        "rise": f"{rise:.4f}" if rise is not None else None,
        "source": change.source,
        "status": change.status,
        "changed_at": change.changed_at.isoformat(),
    }


def price_reviews_query(status: str = "pending_review") -> Select[tuple[PriceChange, Offer]]:
    """(change, offer) rows of the price changes in ``status``, oldest first."""
    return (select(PriceChange, Offer).join(Offer, Offer.id == PriceChange.offer_id)
            .where(PriceChange.status == status)
            .order_by(PriceChange.changed_at, PriceChange.id))


def _pending_change(session: Session, change_id: int) -> tuple[PriceChange, Offer]:
    change = session.get(PriceChange, change_id, with_for_update=True)
    if change is None:
        raise NotFound("No such price review.")
    if change.status != "pending_review":
        raise Conflict(f"This price change is already {change.status}.",
                       code="review_already_decided")
    offer = session.scalar(select(Offer).where(Offer.id == change.offer_id)
                           .with_for_update(of=Offer))
    assert offer is not None
    return change, offer


def approve_price(session: Session, actor: User, change_id: int,
                  reason: str | None = None) -> PriceChange:
    change, offer = _pending_change(session, change_id)
    ceiling = offer_ceiling(session, offer)
    if ceiling is not None and change.new_price > ceiling:
        raise RuleViolation("The new price is above the current ceiling; refuse it instead.",
                            code="price_above_ceiling")
    before = offer_snapshot(offer)
    change.status = "applied"
    change.reviewed_by_id = actor.id
    change.reviewed_at = utcnow()
    offer.price = change.new_price
    offer.pending_price = None
    _changed(session, offer, actor, "offer.price_approve", before, reason=reason)
    return change


def refuse_price(session: Session, actor: User, change_id: int, reason: str) -> PriceChange:
    change, offer = _pending_change(session, change_id)
    before = offer_snapshot(offer)
    change.status = "refused"
    change.reviewed_by_id = actor.id
    change.reviewed_at = utcnow()
    offer.pending_price = None
    # Purchasers never saw the pending price, so the index needs no update.
    _changed(session, offer, actor, "offer.price_refuse", before, reason=reason,
             reindex=False)
    return change


# --- expiry -------------------------------------------------------------------------------


def expire_offers(session: Session, on: date, batch: int = 1000) -> int:
    """Mark active offers past ``valid_until`` as expired (outbox + audit for each)."""
    count = 0
    while True:
        offers = session.scalars(
            select(Offer).where(Offer.status == OfferStatus.active, Offer.valid_until < on)
            .order_by(Offer.id).limit(batch).with_for_update(skip_locked=True, of=Offer)
        ).all()
        if not offers:
            return count
        writes = OfferWrites()
        for offer in offers:
            before = offer_snapshot(offer)
            offer.status = OfferStatus.expired
            writes.changed(offer, None, "offer.expire", before,
                           reason=f"valid_until {offer.valid_until.isoformat()} has passed")
        writes.finish(session)
        count += len(offers)
