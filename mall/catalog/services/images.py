"""An offer's picture: uploaded by its supplier, or fetched by the worker from a feed's URL.

A feed never fetches in the request: rows with an ``image_url`` queue an ``offer_image``
job in the batch's transaction, and the worker fetches it (timeout, 5 MB cap, http(s)
only, public addresses only unless ``MALL_IMAGE_FETCH_ALLOW_PRIVATE``). A failure is kept
on the offer (``image_error``) and never fails the import.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.catalog.models import Offer
from mall.catalog.services.offers import own_offer
from mall.catalog.services.writes import offer_snapshot, record_change
from mall.errors import ApiError
from mall.images.services import FetchRefused, fetch_image, store_image
from mall.jobs.services import enqueue

IMAGE_JOB = "offer_image"
MAX_URL = 2000


def set_offer_image(session: Session, supplier: Organization, actor: User, sku: str,
                    data: bytes) -> Offer:
    """Store an uploaded image (once per content) as the supplier's offer's picture."""
    offer = own_offer(session, supplier, sku, lock=True)
    image = store_image(session, data)  # refuses before anything is written
    before = offer_snapshot(offer)
    offer.image_hash, offer.image_error = image.hash, None
    record_change(session, offer, actor, "offer.image", before)
    return offer


def queue_image_fetches(session: Session, supplier_id: int, urls: Mapping[str, str]) -> int:
    """Queue a fetch for each SKU whose feed row named a new image URL; in the caller's
    transaction. Offers not written (a rejected row for a new SKU) are skipped."""
    if not urls:
        return 0
    queued = 0
    offers = session.scalars(select(Offer).where(Offer.supplier_id == supplier_id,
                                                 Offer.sku.in_(sorted(urls))))
    for offer in offers:
        url = urls[offer.sku][:MAX_URL]
        if url == offer.image_url and offer.image_error is None and offer.image_hash:
            continue  # already fetched from this address
        offer.image_url, offer.image_error = url, None
        enqueue(session, IMAGE_JOB, {"offer_id": offer.id, "url": url})
        queued += 1
    return queued


def run_image_fetch(session: Session, offer_id: int, url: str, allow_private: bool,
                    final_attempt: bool = True) -> str:
    """The worker's job: fetch, check, store and attach. A failure that may pass (network
    trouble, the server busy) is raised so the job queue retries it with backoff; any other,
    or on the last attempt, is recorded on the offer (committed), so a bad URL is not
    retried forever."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.image_url != url:
        return "superseded"  # the offer is gone or a later feed named another URL
    try:
        image = store_image(session, fetch_image(url, allow_private=allow_private))
    except FetchRefused as exc:
        if exc.transient and not final_attempt:
            raise
        return _record_failure(session, offer_id, exc)
    except ApiError as exc:  # not an image, too large
        return _record_failure(session, offer_id, exc)
    before = offer_snapshot(offer)
    offer.image_hash, offer.image_error = image.hash, None
    record_change(session, offer, None, "offer.image", before)
    session.commit()
    return "stored"


def _record_failure(session: Session, offer_id: int, exc: ApiError) -> str:
    session.rollback()
    offer = session.get_one(Offer, offer_id)
    offer.image_error = exc.message[:2000]
    session.commit()
    return f"failed: {exc.message}"
