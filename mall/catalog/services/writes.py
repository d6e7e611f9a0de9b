"""What every offer change writes beside the offer: price history, outbox row, audit event.

Every function takes the caller's session and never commits. Each change purchasers can see
writes an outbox row, and each change an audit event, in the same transaction as the change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.audit import services as audit
from mall.catalog.models import Offer, PriceChange
from mall.db import utcnow
from mall.outbox.services import enqueue


def today() -> date:
    return date.today()


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


def record_change(session: Session, offer: Offer, actor: User | None, action: str,
             before: dict[str, Any] | None, reason: str | None = None,
             reindex: bool = True) -> None:
    writes = OfferWrites()
    writes.changed(offer, actor, action, before, reason, reindex)
    writes.finish(session)
