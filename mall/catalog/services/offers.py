"""Offer writes: the single upsert, PATCH, delisting and expiry, and the feed's write path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, lazyload

from mall.accounts.models import Organization, User
from mall.catalog.models import (
    Agreement,
    Category,
    Offer,
    OfferStatus,
    PriceChangeStatus,
    PriceSource,
)
from mall.catalog.products import ProductKey, find_or_create_products
from mall.catalog.schemas import SKU
from mall.catalog.services.prices import apply_price, close_pending, review_share
from mall.catalog.services.writes import OfferWrites, offer_snapshot, record_change, today
from mall.catalog.validation import CatalogLookup, CheckedOffer, Problem, check_offer, problem
from mall.errors import BadRequest, NotFound, RuleViolation
from mall.i18n import N_
from mall.locks import locked_in_id_order

# Problems of a value itself, whatever the offer's agreement: refused even for drafts.
_VALUE_PROBLEMS = frozenset({"price_not_positive", "price_precision", "price_too_large"})


class OfferRefused(RuleViolation):
    """One offer broke rules; ``problems`` lists each by field and code."""

    def __init__(self, problems: list[Problem], malformed: bool = False) -> None:
        message = ("The offer is not valid." if malformed
                   else "The offer breaks the catalog rules; nothing was changed.")
        super().__init__(message, code="validation_failed" if malformed else "offer_refused",
                         status=400 if malformed else 422, details={"problems": problems})
        self.problems = problems


@dataclass
class OfferResult:
    offer: Offer
    created: bool
    changed: bool
    price_in_review: bool


def find_offer(session: Session, supplier_id: int, sku: str, lock: bool = False) -> Offer | None:
    query = select(Offer).where(Offer.supplier_id == supplier_id, Offer.sku == sku)
    return session.scalar(query.with_for_update(of=Offer) if lock else query)


@cache
def without_templates() -> tuple[Any, ...]:
    """Loader options for reading offers to buy them: the category's attribute templates and
    the agreement's other lots are loaded only if something asks (a purchase never does),
    which saves three statements per read. Built once: options are immutable, and building
    them costs more than a purchase's rules."""
    return (joinedload(Offer.category).lazyload(Category.attributes),
            joinedload(Offer.agreement).lazyload(Agreement.lots))


def lock_offers(session: Session, offer_ids: Iterable[int],
                key_share: bool = False) -> Sequence[Offer]:
    """The offers' rows locked in id order (level 3 of ``mall.locks``), freshly read."""
    ids = sorted(set(offer_ids))
    if not ids:
        return []
    query = select(Offer).where(Offer.id.in_(ids)).options(*_lock_only())
    return locked_in_id_order(session, query, Offer, key_share=key_share)


@cache
def _lock_only() -> tuple[Any, ...]:
    """The lock re-reads the offers' own rows only (stock, version, price...), not the
    supplier, agreement and category an ordinary read joins: those are not locked and the
    callers (stock) do not use them; if asked, they load by key, from the session when there.
    Re-populating them was about a tenth of a direct purchase's Python function calls."""
    return (lazyload(Offer.supplier), lazyload(Offer.agreement), lazyload(Offer.category))


def lock_offers_by_sku(session: Session, supplier_id: int,
                       skus: Iterable[str]) -> Sequence[Offer]:
    """A supplier's offers with these SKUs, locked in id order (never in SKU order)."""
    wanted = sorted(set(skus))
    if not wanted:
        return []
    return locked_in_id_order(session, select(Offer).where(
        Offer.supplier_id == supplier_id, Offer.sku.in_(wanted)), Offer)


def own_offer(session: Session, supplier: Organization, sku: str, lock: bool = False) -> Offer:
    """The supplier's own offer; another supplier's SKU is simply not found (no leak)."""
    offer = find_offer(session, supplier.id, sku, lock=lock)
    if offer is None:
        raise NotFound(f"You have no offer {sku!r}.")
    return offer


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
        writes.price(offer, None, data["price"], source, PriceChangeStatus.applied, actor)
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
    in_review = apply_price(session, offer, data["price"], actor, source, share, writes)
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
        raise BadRequest(N_("Send the offer as a JSON object."), code="invalid_json")
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


def offer_fields(offer: Offer) -> dict[str, Any]:
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
        raise RuleViolation(N_("The offer is delisted; publish it again with PUT."),
                            code="offer_delisted")
    raw = offer_fields(offer)
    if "price" in changes:
        raw["price"] = str(changes["price"])
    if "stock" in changes:
        raw["stock"] = changes["stock"]
    target_status = changes.get("status", offer.status)
    check = check_offer(CatalogLookup(session), supplier, sku, raw, today())
    if target_status == OfferStatus.active or offer.status == OfferStatus.active:
        if check.checked is None:
            raise OfferRefused(check.problems, check.malformed)
    elif own := [p for p in check.problems
                 if p["field"] in changes and p["code"] in _VALUE_PROBLEMS]:
        # A draft may break the agreement's rules until it is published, but never holds a
        # price no offer can have (the database refuses it: that was a 500).
        raise OfferRefused(own)
    before = offer_snapshot(offer)
    writes = OfferWrites()
    in_review = offer.pending_price is not None
    if "price" in changes:
        in_review = apply_price(session, offer, changes["price"], actor, source,
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
        close_pending(session, offer, PriceChangeStatus.superseded, actor)
        offer.pending_price = None
    offer.status = OfferStatus.delisted
    record_change(session, offer, actor, "offer.delist", before)
    return offer


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
