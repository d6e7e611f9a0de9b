"""PEPPOL BIS Catalogue 3 feeds: mapping, action codes, errors by line, refused documents."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from string import Template
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.catalog.feeds import parsing
from mall.catalog.feeds import queued as catalog_feeds
from mall.catalog.models import FeedImport, Offer, OfferStatus
from mall.db import db
from mall.jobs.worker import Worker
from tests.catalog.conftest import Catalog
from tests.factories.accounts import PASSWORD, auth_headers, supplier_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category

FIXTURES = Path(__file__).parent / "fixtures"
XML = "application/xml"


def _document(catalog: Catalog, name: str = "peppol_catalogue.xml", **values: str) -> bytes:
    fields = {"agreement": catalog.agreement.number, "category": catalog.category.code,
              "issued": date.today().isoformat(),
              "valid_until": (date.today() + timedelta(days=90)).isoformat(), **values}
    return Template((FIXTURES / name).read_text(encoding="utf-8")).substitute(fields).encode()


def _post(client: FlaskClient, catalog: Catalog, body: bytes, content_type: str = XML) -> Any:
    return client.post("/api/v1/supplier/feeds", data=body, content_type=content_type,
                       headers=catalog.headers)


def _offers(session: Session) -> dict[str, Offer]:
    session.expire_all()
    return {o.sku: o for o in session.scalars(select(Offer))}


def _feed_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FeedImport)) or 0


def test_catalogue_maps_to_offers(client: FlaskClient, db_session: Session,
                                  catalog: Catalog) -> None:
    response = _post(client, catalog, _document(catalog))
    assert response.status_code == 201, response.json
    report = response.json
    assert (report["format"], report["encoding"], report["rows_total"], report["rows_ok"],
            report["rows_rejected"]) == ("peppol", "utf-8", 2, 2, 0), report["errors"]
    offers = _offers(db_session)
    first, second = offers["P-1"], offers["P-2"]
    assert first.agreement_id == catalog.agreement.id and first.lot.code == "L1"
    assert first.category_id == catalog.category.id
    assert (first.title, first.brand, first.model, first.gtin, first.unit) == (
        "Lenovo ThinkPad E14 laptop", "Lenovo", "ThinkPad E14", "4006381333931", "EA")
    assert first.description == "14-inch business laptop, 16 GB memory"
    assert (str(first.price), first.stock, first.lead_time_days) == ("4999.00", 10, 3)
    assert first.regions == ["CN-BJ", "CN-SH"]  # two territories, two regions
    assert first.attributes == {"cpu": "i5", "memory_gb": 16}
    assert first.valid_until == date.today() + timedelta(days=90)
    assert second.lead_time_days == 7  # one week
    assert second.attributes == {"cpu": "i7", "memory_gb": 32, "touchscreen": False}
    assert db_session.get(FeedImport, report["id"]).format == "peppol"


def test_mixed_lines_delete_and_errors_name_the_line(client: FlaskClient, db_session: Session,
                                                     catalog: Catalog) -> None:
    assert _post(client, catalog, _document(catalog)).status_code == 201
    response = _post(client, catalog, _document(catalog, "peppol_mixed.xml"))
    assert response.status_code == 201, response.json
    report = response.json
    assert (report["rows_total"], report["rows_ok"], report["rows_rejected"]) == (5, 2, 3)
    problems = {(e["row"], e["sku"], e["field"], e["code"]) for e in report["errors"]}
    assert problems == {
        (3, "P-3", "CatalogueLine[L-12].price", "price_above_ceiling"),
        (3, "P-3", "CatalogueLine[L-12].attributes.cpu", "attribute_not_allowed"),
        (4, "P-4", "CatalogueLine[L-13].price", "currency_mismatch"),
        (5, "NEVER-LISTED", "CatalogueLine[L-14].sku", "not_found"),
    }
    assert all(e["message"].startswith("Line L-") for e in report["errors"])
    offers = _offers(db_session)
    assert str(offers["P-1"].price) == "4899.00" and offers["P-1"].stock == 7  # Update
    assert offers["P-2"].status == OfferStatus.delisted  # Delete withdraws the offer
    assert "P-3" not in offers and "P-4" not in offers
    # The same Delete again is harmless; Add publishes the SKU again.
    again = _post(client, catalog, _document(catalog, "peppol_mixed.xml")).json
    assert again["rows_ok"] == 2
    assert _post(client, catalog, _document(catalog)).json["rows_ok"] == 2
    assert _offers(db_session)["P-2"].status == OfferStatus.active


def test_peppol_and_csv_feeds_give_the_same_offers(client: FlaskClient, db_session: Session,
                                                   catalog: Catalog) -> None:
    assert _post(client, catalog, _document(catalog)).json["rows_ok"] == 2
    from_xml = {sku: _comparable(o) for sku, o in _offers(db_session).items()}
    db_session.query(Offer).delete()  # start again from nothing, through CSV
    db_session.commit()
    valid_until = (date.today() + timedelta(days=90)).isoformat()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["sku", "agreement_number", "lot_code", "category_code", "title",
                     "description", "brand", "model", "gtin", "unit", "price", "stock",
                     "lead_time_days", "regions", "attributes", "valid_until"])
    number, code = catalog.agreement.number, catalog.category.code
    writer.writerow(["P-1", number, "L1", code, "Lenovo ThinkPad E14 laptop",
                     "14-inch business laptop, 16 GB memory", "Lenovo", "ThinkPad E14",
                     "4006381333931", "EA", "4999.00", "10", "3", "CN-BJ;CN-SH",
                     '{"cpu": "i5", "memory_gb": 16}', valid_until])
    writer.writerow(["P-2", number, "L1", code, "Lenovo ThinkPad T14 laptop", "", "Lenovo",
                     "ThinkPad T14", "", "EA", "6999.00", "4", "7", "CN-SH",
                     '{"cpu": "i7", "memory_gb": 32, "touchscreen": false}', valid_until])
    response = _post(client, catalog, out.getvalue().encode(), "text/csv")
    assert response.json["rows_ok"] == 2, response.json
    from_csv = {sku: _comparable(o) for sku, o in _offers(db_session).items()}
    assert from_xml == from_csv


def _comparable(offer: Offer) -> dict[str, Any]:
    return {k: getattr(offer, k) for k in (
        "agreement_id", "lot_id", "category_id", "product_id", "title", "description", "brand",
        "model", "gtin", "unit", "price", "stock", "lead_time_days", "regions", "attributes",
        "valid_until", "status", "currency")}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Catalogue [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">&lol3;</Catalogue>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Catalogue [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cac:ReferencedContract><cbc:ID>&secret;</cbc:ID></cac:ReferencedContract>
</Catalogue>
"""
EXTERNAL_DTD = (b'<?xml version="1.0"?>\n<!DOCTYPE Catalogue SYSTEM "http://127.0.0.1:9/x.dtd">'
                b'\n<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>')
NO_CONTRACT = b"""<?xml version="1.0"?>
<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>C-1</cbc:ID>
  <cac:CatalogueLine><cbc:ID>1</cbc:ID></cac:CatalogueLine>
</Catalogue>
"""


@pytest.mark.parametrize(("body", "code", "words"), [
    (BILLION_LAUGHS, "feed_doctype", "DOCTYPE"),
    (XXE, "feed_doctype", "DOCTYPE"),
    (EXTERNAL_DTD, "feed_doctype", "DOCTYPE"),
    (b"sku,price\nX,1\n", "feed_malformed", "line 1, column 1"),
    (b'<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2">'
     b"<ID>1</Catalogue>", "feed_malformed", "malformed at line 1"),
    (b'<Catalogue xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
     "feed_malformed", "root element"),
    (b"<Catalogue/>", "feed_malformed", "root element"),
    (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Catalogue-2"/>',
     "feed_malformed", "root element"),
    (NO_CONTRACT, "feed_no_contract", "ReferencedContract"),
    (b"", "feed_malformed", ""),
])
def test_unusable_documents_are_refused_whole(client: FlaskClient, db_session: Session,
                                              catalog: Catalog, body: bytes, code: str,
                                              words: str) -> None:
    response = _post(client, catalog, body)
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == code
    assert words in response.json["error"]["message"]
    assert _feed_count(db_session) == 0
    assert not _offers(db_session)


def test_a_document_broken_after_good_lines_applies_nothing(
        client: FlaskClient, db_session: Session, catalog: Catalog) -> None:
    body = _document(catalog).replace(b"</Catalogue>", b"<cac:CatalogueLine></Catalogue>")
    response = _post(client, catalog, body, "text/xml; charset=utf-8")
    assert response.status_code == 400
    details = response.json["error"]["details"]
    assert details["line"] > 100 and details["column"] > 0
    assert _feed_count(db_session) == 0 and not _offers(db_session)


def test_declared_encoding_is_used_and_reported(client: FlaskClient, db_session: Session,
                                                catalog: Catalog) -> None:
    text = _document(catalog).decode().replace('encoding="UTF-8"', 'encoding="GB18030"')
    text = text.replace("Lenovo ThinkPad E14 laptop", "联想 ThinkPad E14 笔记本电脑")
    response = _post(client, catalog, text.encode("gb18030"))
    assert response.status_code == 201, response.json
    assert response.json["encoding"] == "gb18030"
    assert _offers(db_session)["P-1"].title == "联想 ThinkPad E14 笔记本电脑"


def test_the_row_limit_counts_catalogue_lines(client: FlaskClient, db_session: Session,
                                              catalog: Catalog,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "MAX_ROWS", 1)
    response = _post(client, catalog, _document(catalog))
    assert response.status_code == 400 and response.json["error"]["code"] == "feed_too_large"
    assert _feed_count(db_session) == 0 and not _offers(db_session)


@pytest.mark.postgres_only
def test_large_catalogue_is_applied_by_the_worker(
        app: Flask, committed_db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small threshold keeps the test quick; the stored-upload path re-reads the XML.
    monkeypatch.setattr(catalog_feeds, "BACKGROUND_ROWS", 1)
    session = db.session()
    supplier = supplier_admin(session)
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(session, category=category, suppliers=[supplier.organization],
                               ceiling="10000.00", regions=["CN-BJ", "CN-SH"])
    catalog = Catalog(supplier, {}, supplier, auth_headers(app, session, supplier), category,
                      agreement)
    session.commit()
    client = app.test_client()
    response = _post(client, catalog, _document(catalog))
    assert response.status_code == 202, response.json
    Worker(app, drain=False, periodic=False).run(once=True)
    report = client.get(response.headers["Location"], headers=catalog.headers).json
    assert (report["status"], report["format"], report["rows_ok"]) == ("completed", "peppol", 2)
    assert set(_offers(db.session())) == {"P-1", "P-2"}


def test_the_upload_page_takes_a_catalogue(client: FlaskClient, db_session: Session,
                                           catalog: Catalog) -> None:
    login = client.post("/login", data={"email": catalog.supplier.email, "password": PASSWORD})
    assert login.status_code == 302
    response = client.post("/supplier/feeds", content_type="multipart/form-data",
                           data={"feed": (io.BytesIO(_document(catalog)), "catalogue.xml")})
    assert response.status_code == 302
    feed = db_session.scalars(select(FeedImport)).one()
    assert (feed.format, feed.rows_ok) == ("peppol", 2)
