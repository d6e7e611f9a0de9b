"""What a PEPPOL line needs beyond a CSV row: Delete withdraws an offer; prices state a currency.

Withdrawing is delisting, as ``DELETE /api/v1/supplier/offers/{sku}`` does
(``services.offers.delist_offer``): the offer leaves search and carts, its pending price
review is closed, and an upsert of the same SKU later publishes it again.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.catalog.feeds.records import Record
from mall.catalog.models import Offer, OfferStatus, PriceChangeStatus
from mall.catalog.services.prices import close_pending
from mall.catalog.services.writes import OfferWrites, offer_snapshot
from mall.catalog.validation import OfferCheck, problem


def withdrawal_check(record: Record) -> OfferCheck:
    """A Delete line needs only its SKU; its problems (if any) come from parsing."""
    return OfferCheck(None, list(record.problems))


def currency_check(check: OfferCheck, currency: str | None) -> OfferCheck:
    """Refuse a price in another currency than the agreement's (PEPPOL states it)."""
    if currency is None or check.checked is None:
        return check
    expected = check.checked.agreement.currency
    if currency == expected:
        return check
    return OfferCheck(None, [problem("price", "currency_mismatch",
                                     f"The price is in {currency}; agreement "
                                     f"{check.checked.agreement.number} is priced in "
                                     f"{expected}.")])


def withdraw_offer(session: Session, offer: Offer, actor: User | None,
                   writes: OfferWrites) -> None:
    """Delist a locked offer within a feed batch (no-op when it is already delisted)."""
    if offer.status == OfferStatus.delisted:
        return
    before = offer_snapshot(offer)
    if offer.pending_price is not None:
        close_pending(session, offer, PriceChangeStatus.superseded, actor)
        offer.pending_price = None
    offer.status = OfferStatus.delisted
    writes.changed(offer, actor, "offer.delist", before)
