"""Bulk feeds: mixed, malformed, encodings, repeated SKUs, stored reports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.catalog.models import FeedImport, Offer
from tests.catalog.conftest import Catalog, offer_body, outbox_count
from tests.factories.accounts import auth_headers, supplier_admin

COLUMNS = ["sku", "agreement_number", "lot_code", "category_code", "title", "title_en",
           "brand", "model", "gtin", "unit", "price", "stock", "lead_time_days", "regions",
           "attributes", "valid_until"]


@pytest.fixture(autouse=True, params=["simple", "fast"])
def feed_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every feed test runs on both paths: the simple one and PostgreSQL's fast path."""
    from mall.catalog.feeds import applying
    from tests.conftest import TEST_DATABASE_URL

    if request.param == "fast" and TEST_DATABASE_URL.startswith("sqlite"):
        pytest.skip("the fast path is PostgreSQL's")
    monkeypatch.setattr(applying, "FAST_PATH", request.param == "fast")
    return str(request.param)


def _row(catalog: Catalog, sku: str, **overrides: Any) -> dict[str, Any]:
    row = offer_body(catalog, **overrides)
    row["sku"] = sku
    row["gtin"] = overrides.get("gtin")
    return row


def _csv(rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if c == "regions" and isinstance(value, list):
                value = ";".join(value)
            elif c == "attributes" and isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue()


def _post(client: FlaskClient, catalog: Catalog, body: bytes | str,
          content_type: str = "text/csv") -> Any:
    data = body.encode() if isinstance(body, str) else body
    return client.post("/api/v1/supplier/feeds", data=data, content_type=content_type,
                       headers=catalog.headers)


def _offer_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Offer)) or 0


@pytest.mark.smoke
def test_mixed_csv_feed_applies_good_rows_and_reports_bad_ones(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    rows = [
        _row(catalog, "A-1"),
        _row(catalog, "A-2", price="99999"),                       # above ceiling
        _row(catalog, "A-3", attributes={"cpu": "i9", "memory_gb": 8}),
        _row(catalog, "A-4", regions=["CN-SH", "CN-BJ"], price="3999.90"),
        _row(catalog, "A-5", title=None, stock="x"),                # shape problems
    ]
    response = _post(client, catalog, _csv(rows))
    assert response.status_code == 201, response.json
    report = response.json
    assert (report["status"], report["rows_total"], report["rows_ok"],
            report["rows_rejected"]) == ("completed", 5, 2, 3)
    problems = {(e["row"], e["sku"], e["field"], e["code"]) for e in report["errors"]}
    assert problems == {
        (2, "A-2", "price", "price_above_ceiling"),
        (3, "A-3", "attributes.cpu", "attribute_not_allowed"),
        (5, "A-5", "title", "required"),
        (5, "A-5", "stock", "invalid"),
    }
    offers = {o.sku: o for o in db_session.scalars(select(Offer))}
    assert sorted(offers) == ["A-1", "A-4"]
    assert offers["A-4"].regions == ["CN-BJ", "CN-SH"]
    assert outbox_count(db_session) == 2

    stored = client.get(f"/api/v1/supplier/feeds/{report['id']}", headers=catalog.headers)
    assert stored.status_code == 200
    assert stored.json["rows_ok"] == 2 and len(stored.json["errors"]) == 4
    errors = client.get(f"/api/v1/supplier/feeds/{report['id']}/errors?per_page=2",
                        headers=catalog.headers).json
    assert errors["total"] == 4 and len(errors["items"]) == 2


def test_feed_and_single_upsert_refuse_the_same_way(client: FlaskClient, catalog: Catalog) -> None:
    bad = {"price": "0", "regions": ["CN-GD"], "gtin": "4006381333932",
           "attributes": {"cpu": "i5", "memory_gb": 8, "weight": 2}}
    single = client.put("/api/v1/supplier/offers/B-1", json=offer_body(catalog, **bad),
                        headers=catalog.headers).json["error"]["details"]["problems"]
    feed = _post(client, catalog, _csv([_row(catalog, "B-1", **bad)])).json["errors"]
    assert sorted((p["field"], p["code"]) for p in single) == sorted(
        (e["field"], e["code"]) for e in feed)


def test_ndjson_feed(client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    lines = [json.dumps(_row(catalog, "N-1")), "",
             json.dumps(_row(catalog, "N-2", price=4321.5, regions="CN-BJ;CN-SH"))]
    response = _post(client, catalog, "\n".join(lines) + "\n", "application/x-ndjson")
    assert response.status_code == 201, response.json
    assert (response.json["rows_total"], response.json["rows_ok"]) == (2, 2)
    offer = db_session.scalars(select(Offer).where(Offer.sku == "N-2")).one()
    assert str(offer.price) == "4321.50" and offer.regions == ["CN-BJ", "CN-SH"]


@pytest.mark.parametrize(("body", "content_type", "code", "words"), [
    (b"", "text/csv", "feed_malformed", "empty"),
    (b"sku,price\nX-1,10\n", "text/csv", "feed_malformed", "missing columns"),
    (",".join([*COLUMNS, "colour"]).encode() + b"\n", "text/csv", "feed_malformed",
     "unknown columns: colour"),
    (b"\xff\xfe\x00garbage\x80\x81", "text/csv", "feed_undecodable", "not valid"),
    (b'{"sku": "X"}\n{"sku": \n', "application/x-ndjson", "feed_malformed", "Line 2"),
    (b'{"sku": "X"}\n[1, 2]\n', "application/x-ndjson", "feed_malformed", "not a JSON object"),
    (b"\xc3\x28", "application/x-ndjson", "feed_undecodable", "UTF-8"),
    (b"a,b", "application/pdf", "unsupported_media_type", "text/csv"),
])
def test_malformed_feed_is_refused_whole(client: FlaskClient, db_session: Session,
                                         catalog: Catalog, body: bytes, content_type: str,
                                         code: str, words: str) -> None:
    response = _post(client, catalog, body, content_type)
    assert response.status_code in (400, 415)
    assert response.json["error"]["code"] == code
    assert words in response.json["error"]["message"]
    assert db_session.scalar(select(func.count()).select_from(FeedImport)) == 0


def test_file_broken_late_applies_nothing(client: FlaskClient, db_session: Session,
                                          catalog: Catalog) -> None:
    good = [json.dumps(_row(catalog, f"L-{i}")) for i in range(1200)]  # several batches
    response = _post(client, catalog, "\n".join([*good, '{"sku": "broken"']) + "\n",
                     "application/x-ndjson")
    assert response.status_code == 400
    assert "Line 1201" in response.json["error"]["message"]
    assert _offer_count(db_session) == 0
    assert outbox_count(db_session) == 0


def test_csv_broken_quote_late_applies_nothing(client: FlaskClient, db_session: Session,
                                               catalog: Catalog) -> None:
    text = _csv([_row(catalog, "Q-1"), _row(catalog, "Q-2")]) + '"Q-3,"unterminated\n'
    response = _post(client, catalog, text)
    assert response.status_code == 400
    assert _offer_count(db_session) == 0


@pytest.mark.smoke
def test_gb18030_csv(client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    text = _csv([_row(catalog, "G-1", title="联想昭阳笔记本电脑 — 黑色", unit="台",
                      attributes={"cpu": "i5", "memory_gb": 8, "color": "曜石黑"})])
    response = _post(client, catalog, text.encode("gb18030"))
    assert response.status_code == 201, response.json
    assert response.json["encoding"] == "gb18030" and response.json["rows_ok"] == 1
    offer = db_session.scalars(select(Offer).where(Offer.sku == "G-1")).one()
    assert offer.title == "联想昭阳笔记本电脑 — 黑色"
    assert offer.attributes["color"] == "曜石黑"


def test_utf8_with_bom_and_declared_charset(client: FlaskClient, db_session: Session,
                                            catalog: Catalog) -> None:
    text = _csv([_row(catalog, "U-1", title="华为笔记本")])
    with_bom = _post(client, catalog, b"\xef\xbb\xbf" + text.encode())
    assert with_bom.json["rows_ok"] == 1 and with_bom.json["encoding"] == "utf-8"
    declared = _post(client, catalog, text.replace("U-1", "U-2").encode("gbk"),
                     "text/csv; charset=GBK")
    assert declared.json["rows_ok"] == 1
    titles = set(db_session.scalars(select(Offer.title)))
    assert titles == {"华为笔记本"}


def test_repeated_sku_last_row_wins(client: FlaskClient, db_session: Session,
                                    catalog: Catalog) -> None:
    rows = [_row(catalog, "R-1", price="100.00"), _row(catalog, "R-2"),
            _row(catalog, "R-1", price="200.00"), _row(catalog, "R-1", price="150.00")]
    report = _post(client, catalog, _csv(rows)).json
    assert (report["rows_total"], report["rows_ok"], report["rows_rejected"],
            report["rows_superseded"]) == (4, 2, 0, 2)
    superseded = [(e["row"], e["code"]) for e in report["errors"]]
    assert superseded == [(1, "superseded"), (3, "superseded")]
    assert "Row 4" in report["errors"][0]["message"]
    offer = db_session.scalars(select(Offer).where(Offer.sku == "R-1")).one()
    assert str(offer.price) == "150.00" and offer.version == 1


def test_feed_updates_existing_offers_and_records_feed_source(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    client.put("/api/v1/supplier/offers/E-1", json=offer_body(catalog),
               headers=catalog.headers)
    report = _post(client, catalog, _csv([_row(catalog, "E-1", price="4000.00",
                                                stock=99)])).json
    assert report["rows_ok"] == 1
    offer = db_session.scalars(select(Offer).where(Offer.sku == "E-1")).one()
    assert (str(offer.price), offer.stock, offer.version) == ("4000.00", 99, 2)
    from mall.catalog.models import PriceChange
    sources = db_session.scalars(select(PriceChange.source).where(
        PriceChange.offer_id == offer.id).order_by(PriceChange.id)).all()
    assert sources == ["api", "feed"]


def test_feed_reports_are_private(app: Flask, client: FlaskClient, db_session: Session,
                                  catalog: Catalog) -> None:
    report = _post(client, catalog, _csv([_row(catalog, "P-1")])).json
    other = auth_headers(app, db_session, supplier_admin(db_session))
    assert client.get(f"/api/v1/supplier/feeds/{report['id']}",
                      headers=other).status_code == 404
    assert client.get("/api/v1/supplier/feeds", headers=other).json["total"] == 0
    assert client.get("/api/v1/supplier/feeds", headers=catalog.headers).json["total"] == 1


def test_too_many_rows_is_refused(client: FlaskClient, db_session: Session, catalog: Catalog,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from mall.catalog.feeds import parsing as feeds

    monkeypatch.setattr(feeds, "MAX_ROWS", 3)
    rows = [_row(catalog, f"M-{i}") for i in range(4)]
    response = _post(client, catalog, _csv(rows))
    assert response.status_code == 400 and response.json["error"]["code"] == "feed_too_large"
    assert _offer_count(db_session) == 0


def test_feed_audit_events_keep_the_chain_valid(client: FlaskClient, db_session: Session,
                                                catalog: Catalog, feed_path: str) -> None:
    from mall.audit.models import AuditBatchRow, AuditEvent
    from mall.audit.services import verify_chain

    report = _post(client, catalog, _csv([_row(catalog, f"H-{i}") for i in range(30)])).json
    assert report["rows_ok"] == 30
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["offer.create", "offer.feed_batch"]))).all()
    if feed_path == "simple":
        assert actions == ["offer.create"] * 30
    else:  # one event names the batch and carries the digest of its 30 rows
        assert actions == ["offer.feed_batch"]
        rows = db_session.scalars(select(AuditBatchRow).order_by(AuditBatchRow.row)).all()
        assert [(r.row, r.action, r.after["sku"]) for r in rows] == [
            (i + 1, "offer.create", f"H-{i}") for i in range(30)]
    assert list(verify_chain(db_session)) == []


@pytest.mark.postgres_only
def test_verify_recomputes_batch_digests(client: FlaskClient, db_session: Session,
                                         catalog: Catalog, feed_path: str) -> None:
    from sqlalchemy import delete, update

    from mall.audit.models import AuditBatchRow
    from mall.audit.services import verify_chain

    if feed_path == "simple":
        pytest.skip("batch events are the fast path's")
    _post(client, catalog, _csv([_row(catalog, f"V-{i}") for i in range(5)]))
    assert list(verify_chain(db_session)) == []
    first = db_session.scalars(select(AuditBatchRow).order_by(AuditBatchRow.id)).first()
    assert first is not None
    original = dict(first.after)
    db_session.execute(update(AuditBatchRow).where(AuditBatchRow.id == first.id).values(
        after={**original, "price": "1.00"}))
    breaks = list(verify_chain(db_session))
    assert len(breaks) == 1 and "digest" in breaks[0].problem
    db_session.execute(update(AuditBatchRow).where(AuditBatchRow.id == first.id).values(
        after=original))
    assert list(verify_chain(db_session)) == []
    db_session.execute(delete(AuditBatchRow).where(AuditBatchRow.id == first.id))
    assert len(list(verify_chain(db_session))) == 1
