"""refresh-prices: feeds pulled over real HTTP (loopback) and file URLs, via the catalog import."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date
from decimal import Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.refresh import FeedSource, FeedSourceError, parse_sources
from indexer.sync import drain
from mall.catalog.models import Offer
from tests.factories.accounts import make_org
from tests.factories.catalog import make_agreement, make_offer
from tests.indexer.conftest import search_ids
from tests.support import closed_port

TODAY = date.today()
COLUMNS = ["sku", "agreement_number", "lot_code", "category_code", "title", "brand", "model",
           "unit", "price", "stock", "lead_time_days", "regions", "valid_until", "attributes"]


@pytest.mark.smoke
def test_feed_sources_are_parsed_from_json_or_a_file(tmp_path):
    inline = ('[{"supplier_id": 3, "url": "http://127.0.0.1:1/a.csv"},'
              ' {"supplier_id": "4", "url": "/srv/b.jsonl"},'
              ' {"supplier_id": 5, "url": "file:///srv/c", "content_type": "text/csv"}]')
    expected = [FeedSource(3, "http://127.0.0.1:1/a.csv", "text/csv"),
                FeedSource(4, "/srv/b.jsonl", "application/x-ndjson"),
                FeedSource(5, "file:///srv/c", "text/csv")]
    assert parse_sources(inline) == expected
    path = tmp_path / "sources.json"
    path.write_text(inline)
    assert parse_sources(str(path)) == expected
    assert parse_sources("") == []
    for bad in ('{"supplier_id": 1}', '[{"url": "x.csv"}]', '[{"supplier_id": 1, "url": "x"}]',
                str(tmp_path / "absent.json"), "[not json"):
        with pytest.raises(FeedSourceError):
            parse_sources(bad)


def _feed(offer: Offer, price: str, stock: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerow({
        "sku": offer.sku, "agreement_number": offer.agreement.number, "lot_code": "L1",
        "category_code": offer.category.code, "title": offer.title, "brand": offer.brand,
        "model": offer.model, "unit": offer.unit, "price": price, "stock": stock,
        "lead_time_days": 3, "regions": "*", "valid_until": offer.valid_until.isoformat(),
        "attributes": json.dumps({"cpu": "i5", "memory_gb": 16}),
    })
    return out.getvalue().encode()


@pytest.mark.postgres_only
def test_refresh_prices_applies_each_source_and_reports_the_unreachable_one(
        session, opensearch, alias, app, tmp_path):
    pytest.importorskip("mall.catalog.feeds.applying")  # the catalog issue's import
    suppliers = [make_org(session, kind="supplier") for _ in range(3)]
    agreement = make_agreement(session, suppliers=suppliers)
    by_http, by_file = (make_offer(session, agreement=agreement, supplier=s, price="5000.00")
                        for s in suppliers[:2])
    session.commit()
    (tmp_path / "http.csv").write_bytes(_feed(by_http, "4800.00", 4))
    (tmp_path / "file.csv").write_bytes(_feed(by_file, "4700.00", 0))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler,
                                                           directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = [
        {"supplier_id": suppliers[0].id,
         "url": f"http://127.0.0.1:{server.server_address[1]}/http.csv"},
        {"supplier_id": suppliers[1].id, "url": (tmp_path / "file.csv").as_uri()},
        {"supplier_id": suppliers[2].id, "url": f"http://127.0.0.1:{closed_port()}/x.csv"},
    ]
    config = app.config["MALL"]
    env = {"MALL_DATABASE_URL": config.database_url, "MALL_SEARCH_ALIAS": alias,
           "MALL_SECRET_KEY": "test", "MALL_FEED_SOURCES": json.dumps(sources)}
    try:
        result = CliRunner().invoke(cli, ["refresh-prices"], env=env)
    finally:
        server.shutdown()

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert f"supplier {suppliers[0].id} " in lines[0] and "1 rows ok, 0 rejected" in lines[0]
    assert f"supplier {suppliers[1].id} " in lines[1] and "1 rows ok, 0 rejected" in lines[1]
    assert f"supplier {suppliers[2].id} " in lines[2] and "FAILED: URLError" in lines[2]
    assert "1 of 3 feed sources failed" in result.output
    session.expire_all()
    assert session.get(Offer, by_http.id).price == Decimal("4800.00")
    assert (session.get(Offer, by_file.id).price, session.get(Offer, by_file.id).stock) == (
        Decimal("4700.00"), 0)
    # The import wrote outbox rows; a sync makes the new prices searchable.
    drain(opensearch, session, alias, TODAY)
    docs = search_ids(opensearch, alias)
    assert (docs[by_http.id]["price"], docs[by_file.id]["in_stock"]) == (4800.0, False)
