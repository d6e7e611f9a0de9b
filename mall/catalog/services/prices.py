"""Prices: the price-rise rule, ceilings, and the center's review of held rises.

Price rule: a rise of more than ``price_rise_review_share`` over the lowest price applied in
the last 30 days (or the live price, if lower) is not published. The live price stays what
purchasers see and buy at, the new price waits in ``offer.pending_price`` with a
``pending_review`` PriceChange, and the offer's status is unchanged (an active offer stays
visible at its old, truthful price) until the center approves or refuses it.

Lock order (``mall.locks``): the offer row first, then its price changes.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit.models import AuditEvent
from mall.catalog.models import Offer, PriceChange, PriceChangeStatus
from mall.catalog.services.writes import OfferWrites, offer_snapshot, record_change
from mall.catalog.validation import CatalogLookup, effective_ceiling
from mall.db import utcnow
from mall.errors import Conflict, NotFound, RuleViolation
from mall.i18n import N_
from mall.locks import locked_in_id_order

PRICE_WINDOW_DAYS = 30
DEFAULT_REVIEW_SHARE = Decimal("0.30")


def review_share() -> Decimal:
    """The configured share (``MALL_PRICE_RISE_REVIEW_SHARE``), from the app when there is one."""
    from flask import current_app, has_app_context

    if has_app_context():
        return Decimal(current_app.config["MALL"].price_rise_review_share)
    return Decimal(os.environ.get("MALL_PRICE_RISE_REVIEW_SHARE") or DEFAULT_REVIEW_SHARE)


def offer_ceiling(session: Session, offer: Offer) -> Decimal | None:
    """The lower of the offer's lot ceiling and its item ceiling (None: no ceiling)."""
    item = CatalogLookup(session).item_ceiling(offer.agreement_id, offer.supplier_id, offer.sku)
    return effective_ceiling(offer.lot.ceiling_price, item)


def lowest_recent_price(session: Session, offer: Offer) -> Decimal:
    since = utcnow() - timedelta(days=PRICE_WINDOW_DAYS)
    lowest = session.scalar(select(func.min(PriceChange.new_price)).where(
        PriceChange.offer_id == offer.id, PriceChange.status == PriceChangeStatus.applied,
        PriceChange.changed_at >= since))
    return offer.price if lowest is None else min(lowest, offer.price)


def close_pending(session: Session, offer: Offer, status: str, actor: User | None) -> None:
    """End the offer's pending review (superseded or refused); the offer must be locked."""
    session.execute(
        update(PriceChange)
        .where(PriceChange.offer_id == offer.id,
               PriceChange.status == PriceChangeStatus.pending_review)
        .values(status=status, reviewed_by_id=getattr(actor, "id", None),
                reviewed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def apply_price(session: Session, offer: Offer, new_price: Decimal, actor: User | None,
                source: str, share: Decimal, writes: OfferWrites) -> bool:
    """Publish ``new_price`` or hold it for review; True when it went to review."""
    if offer.pending_price is not None and new_price != offer.pending_price:
        close_pending(session, offer, PriceChangeStatus.superseded, actor)
        offer.pending_price = None
    if new_price == offer.price or new_price == offer.pending_price:
        return offer.pending_price is not None
    baseline = lowest_recent_price(session, offer)
    if new_price > baseline * (1 + share):
        offer.pending_price = new_price
        writes.price(offer, offer.price, new_price, source, PriceChangeStatus.pending_review, actor)
        return True
    writes.price(offer, offer.price, new_price, source, PriceChangeStatus.applied, actor)
    offer.price = new_price
    return False


def price_reviews_query(
    status: str = PriceChangeStatus.pending_review,
) -> Select[PriceChange, Offer]:
    """(change, offer) rows of the price changes in ``status``, oldest first."""
    return (select(PriceChange, Offer).join(Offer, Offer.id == PriceChange.offer_id)
            .where(PriceChange.status == status)
            .order_by(PriceChange.changed_at, PriceChange.id))


def locked_pending_change(session: Session, change_id: int) -> tuple[PriceChange, Offer]:
    """The pending change and its offer, locked offer first (the order every writer uses)."""
    offer_id = session.scalar(select(PriceChange.offer_id).where(PriceChange.id == change_id))
    if offer_id is None:
        raise NotFound(N_("No such price review."))
    locked_in_id_order(session, select(Offer).where(Offer.id == offer_id), Offer)
    offer = session.get(Offer, offer_id)
    change = session.get(PriceChange, change_id, with_for_update=True,
                         populate_existing=True)
    assert offer is not None and change is not None  # price changes are never deleted
    if change.status != PriceChangeStatus.pending_review:
        raise Conflict(f"This price change is already {change.status}.",
                       code="review_already_decided")
    return change, offer


def approve_price(session: Session, actor: User, change_id: int,
                  reason: str | None = None) -> PriceChange:
    change, offer = locked_pending_change(session, change_id)
    ceiling = offer_ceiling(session, offer)
    if ceiling is not None and change.new_price > ceiling:
        raise RuleViolation(N_("The new price is above the current ceiling; refuse it instead."),
                            code="price_above_ceiling")
    before = offer_snapshot(offer)
    change.status = PriceChangeStatus.applied
    change.reviewed_by_id = actor.id
    change.reviewed_at = utcnow()
    offer.price = change.new_price
    offer.pending_price = None
    record_change(session, offer, actor, "offer.price_approve", before, reason=reason)
    return change


def refuse_price(session: Session, actor: User, change_id: int, reason: str) -> PriceChange:
    change, offer = locked_pending_change(session, change_id)
    before = offer_snapshot(offer)
    change.status = PriceChangeStatus.refused
    change.reviewed_by_id = actor.id
    change.reviewed_at = utcnow()
    offer.pending_price = None
    # Purchasers never saw the pending price, so the index needs no update.
    record_change(session, offer, actor, "offer.price_refuse", before, reason=reason,
                  reindex=False)
    return change


def recent_prices(session: Session, offer: Offer, limit: int = 10) -> list[tuple[Decimal, Any]]:
    """(price, changed_at) of the prices applied in the last 30 days, newest first."""
    since = utcnow() - timedelta(days=PRICE_WINDOW_DAYS)
    return [(price, at) for price, at in session.execute(
        select(PriceChange.new_price, PriceChange.changed_at)
        .where(PriceChange.offer_id == offer.id,
               PriceChange.status == PriceChangeStatus.applied,
               PriceChange.changed_at >= since)
        .order_by(PriceChange.changed_at.desc(), PriceChange.id.desc()).limit(limit))]


def refused_rises(session: Session,
                  offer_ids: list[int]) -> dict[int, tuple[PriceChange, str | None]]:
    """The offers whose latest price change was refused, with the reviewer's reason.

    The reason is the refusal's audit event's (a rise refused because a new ceiling is
    below it has none); a later change, applied or pending, ends the notice.
    """
    if not offer_ids:
        return {}
    latest: dict[int, PriceChange] = {}
    for change in session.scalars(select(PriceChange).where(
            PriceChange.offer_id.in_(offer_ids)).order_by(PriceChange.id.desc())):
        latest.setdefault(change.offer_id, change)
    refused = {oid: c for oid, c in latest.items() if c.status == PriceChangeStatus.refused}
    if not refused:
        return {}
    reasons: dict[int, str | None] = {}
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "offer.price_refuse", AuditEvent.target_type == "offer",
            AuditEvent.target_id.in_([str(i) for i in refused])).order_by(AuditEvent.id)):
        reasons[int(event.target_id)] = event.reason
    return {oid: (c, reasons.get(oid)) for oid, c in refused.items()}
