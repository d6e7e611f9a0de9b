"""Offers meeting a standard: the standard's conditions as OpenSearch filters.

Runs the real search service against a fresh index (the module's ``search_index``) and
shows the offers meeting a standard are exactly those a direct attribute filter finds, and
those the conditions select when applied to the database rows by hand.
"""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from mall.search import services as search
from mall.search.client import search_backend
from mall.search.query import AttributeInfo, standard_filters
from mall.standards import services as standards
from mall.standards.models import Standard
from tests.factories.accounts import make_org
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category, make_offer
from tests.support import index_offers

CONDITIONS: list[dict[str, Any]] = [
    {"attribute": "memory_gb", "op": "gte", "value": 16},
    {"attribute": "cpu", "op": "in", "value": ["i5", "i7"]},
    {"attribute": "touchscreen", "op": "eq", "value": True},
]


def test_conditions_as_filters_are_data() -> None:
    infos = {"memory_gb": AttributeInfo("memory_gb", "number"),
             "cpu": AttributeInfo("cpu", "enum"), "touchscreen": AttributeInfo("touchscreen",
                                                                               "bool")}
    filters = standard_filters(CONDITIONS, infos)
    inner = [f["nested"]["query"]["bool"]["filter"] for f in filters]
    assert inner == [
        [{"term": {"attrs.key": "memory_gb"}}, {"range": {"attrs.number": {"gte": 16.0}}}],
        [{"term": {"attrs.key": "cpu"}}, {"terms": {"attrs.keyword": ["i5", "i7"]}}],
        [{"term": {"attrs.key": "touchscreen"}}, {"terms": {"attrs.bool": [True]}}],
    ]
    assert all(f["nested"]["path"] == "attrs" for f in filters)


def _meets(attributes: dict[str, Any]) -> bool:
    return (attributes["memory_gb"] >= 16 and attributes["cpu"] in ("i5", "i7")
            and attributes.get("touchscreen") is True)


def test_offers_of_a_standard_equal_a_direct_attribute_filter(
        app: Flask, db_session: Session, opensearch: OpenSearch, search_index: str,
        client: FlaskClient) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    supplier = make_org(db_session, kind="supplier")
    agreement = make_agreement(db_session, category=category, suppliers=[supplier])
    offers = [make_offer(db_session, agreement, supplier,
                         attributes={"cpu": cpu, "memory_gb": memory, "touchscreen": touch})
              for cpu, memory, touch in itertools.product(
                  ("i5", "i7", "Ryzen 5"), (8, 16, 32), (True, False))]
    index_offers(opensearch, search_index, offers)
    engine = search_backend.engine()
    page = {"page": 1, "per_page": 100}

    standard = Standard(code="STD-T", version=1, category=category, title_zh="标准",
                        title_en="Standard", requirements=CONDITIONS)
    db_session.add(standard)
    db_session.flush()
    by_standard = search.search_offers(engine, search_index, db_session,
                                       standards.offer_search_request(standard, page))
    direct = search.search_offers(engine, search_index, db_session, {
        "category": category.code, **page,
        "attributes": {"memory_gb": ["16", "32"], "cpu": ["i5", "i7"],
                       "touchscreen": ["true"]}})
    ids = {item["offer_id"] for item in by_standard["items"]}
    assert ids == {item["offer_id"] for item in direct["items"]}
    assert ids == {o.id for o in offers if _meets(o.attributes)}
    assert by_standard["total"] == len(ids) == 4
    # Facets count within the standard too: no Ryzen and no 8 GB among them.
    cpu_values = {b["value"] for b in by_standard["facets"]["attributes"]["cpu"] if b["count"]}
    assert cpu_values <= {"i5", "i7"}

    # Paging works as usual.
    first = search.search_offers(engine, search_index, db_session,
                                 {"category": category.code, "conditions": CONDITIONS,
                                  "page": 1, "per_page": 3, "sort": "price_asc"})
    second = search.search_offers(engine, search_index, db_session,
                                  {"category": category.code, "conditions": CONDITIONS,
                                   "page": 2, "per_page": 3, "sort": "price_asc"})
    assert first["total"] == second["total"] == 4
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert {i["offer_id"] for i in first["items"] + second["items"]} == ids

    # The same through the API, which takes the usual search arguments on top.
    response = client.get("/api/v1/standards/STD-T/offers?per_page=100&sort=price_asc")
    assert response.status_code == 200, response.json
    assert {i["offer_id"] for i in response.json["items"]} == ids
    narrowed = client.get("/api/v1/standards/STD-T/offers?attr.cpu=i7")
    assert {i["offer_id"] for i in narrowed.json["items"]} == {
        o.id for o in offers if _meets(o.attributes) and o.attributes["cpu"] == "i7"}
    assert client.get("/api/v1/standards/NO-SUCH/offers").status_code == 404
