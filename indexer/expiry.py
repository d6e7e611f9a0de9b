"""Expiry: active offers whose ``valid_until`` passed become ``expired`` and leave the index.

The rule lives in the catalog (``mall.catalog.services.offers.expire_offers``: status, version,
outbox row and audit event per offer); this module runs it as an indexer job, on demand
(``mall-indexer expire``) and on a schedule inside ``mall-indexer sync --watch``. The outbox
rows it writes make the next sync batch delete the documents.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from mall.db import transaction


def expire(session: Session, today: date) -> int:
    """Expire every active offer past its ``valid_until``; returns how many. Commits."""
    from mall.catalog.services.offers import expire_offers

    with transaction(session):
        count = expire_offers(session, today)
    return int(count or 0)
