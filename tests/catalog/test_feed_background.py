"""Large feeds answer 202 at once, are stored, and are applied by a worker."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from mall.catalog.feeds import queued as catalog_feeds
from mall.catalog.models import Offer
from mall.db import db
from mall.jobs.worker import Worker
from tests.catalog.conftest import Catalog, make_catalog
from tests.catalog.test_feeds import _csv, _row


@pytest.mark.postgres_only
def test_large_feed_answers_202_and_completes_in_the_background(
    app: Flask, committed_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small threshold keeps the test quick; the code path is the one 100,000 rows take.
    monkeypatch.setattr(catalog_feeds, "BACKGROUND_ROWS", 3)
    session = db.session()
    catalog = make_catalog(app, session)
    session.commit()
    rows = [_row(catalog, f"BG-{i}") for i in range(5)] + [_row(catalog, "BG-X", price="0")]

    client = app.test_client()
    response = client.post("/api/v1/supplier/feeds", data=_csv(rows).encode(),
                           content_type="text/csv", headers=catalog.headers)
    assert response.status_code == 202, response.json
    assert response.json["status"] == "queued"
    assert response.json["progress"] == {"rows_done": 0, "rows_total": 6}
    location = response.headers["Location"]
    # Nothing is applied by the request itself: the stored upload waits for a worker.
    assert client.get(location, headers=catalog.headers).json["status"] == "queued"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Offer)) == 0

    Worker(app, drain=False, periodic=False).run(once=True)
    session = db.session()  # the worker closed the thread's session when it stopped

    report = client.get(location, headers=catalog.headers).json
    assert report["status"] == "completed"
    assert report["progress"] == {"rows_done": 6, "rows_total": 6}
    assert (report["rows_total"], report["rows_ok"], report["rows_rejected"]) == (6, 5, 1)
    assert report["errors"][0]["sku"] == "BG-X"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Offer)) == 5


def test_malformed_large_feed_is_refused_before_answering(
    client, db_session, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog_feeds, "BACKGROUND_ROWS", 1)
    body = _csv([_row(catalog, "M-1"), _row(catalog, "M-2")]) + '"unclosed,quote\n'
    response = client.post("/api/v1/supplier/feeds", data=body.encode(),
                           content_type="text/csv", headers=catalog.headers)
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0
