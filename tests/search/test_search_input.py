"""Numbers the engine cannot take are 400s, and so is a query the engine refuses
(issue 11, finding 7). Against the real OpenSearch node."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from mall.errors import BadRequest
from mall.search import services
from mall.search.client import OpenSearchEngine
from tests.factories.catalog import make_offer
from tests.support import index_offers


@pytest.fixture(scope="module")
def indexed(module_session: Session, search_index: str, opensearch: OpenSearch
            ) -> Iterator[int]:
    offer = make_offer(module_session)
    index_offers(opensearch, search_index, [offer])
    yield offer.id


@pytest.fixture
def client(app: Flask, indexed: int) -> FlaskClient:
    """The module's catalog stays visible: no per-test session of its own."""
    return app.test_client()


def _assert_400(response, field: str | None = None) -> None:
    assert response.status_code == 400, (response.status_code,
                                         response.get_data(as_text=True)[:300])
    error = response.json["error"]
    assert error["code"] and error["message"]
    if field:
        text = str(error["details"])
        assert field in text, error


@pytest.mark.parametrize("query, field", [
    ("price_min=1e999", "price_min"),
    ("price_max=1e999", "price_max"),
    ("price_min=-1e999", "price_min"),
    ("price_min=NaN", "price_min"),
    ("price_max=inf", "price_max"),
    ("price_max=-Infinity", "price_max"),
    ("supplier=99999999999999999999", "supplier"),
    ("supplier=9223372036854775808", "supplier"),
    ("supplier=1,-99999999999999999999", "supplier"),
    ("attr.memory_gb=inf", "memory_gb"),
    ("attr.memory_gb=-inf", "memory_gb"),
    ("attr.memory_gb=NaN", "memory_gb"),
    ("attr.memory_gb=1e999", "memory_gb"),
    ("brand=" + ",".join(f"b{i}" for i in range(200)), "brand"),
])
def test_unusable_numbers_and_lists_are_400(client: FlaskClient, indexed: int, query: str,
                                            field: str) -> None:
    _assert_400(client.get("/api/v1/search?" + query), field)


def test_the_search_page_says_so_too(client: FlaskClient, indexed: int) -> None:
    response = client.get("/search?price_min=1e999")
    assert response.status_code == 400


def test_usable_numbers_still_search(client: FlaskClient, indexed: int) -> None:
    for query in ("price_min=0.01&price_max=1000000", "supplier=1", "attr.memory_gb=16",
                  "supplier=9223372036854775807", "price_max=1000000000000"):
        response = client.get("/api/v1/search?" + query)
        assert response.status_code == 200, (query, response.get_data(as_text=True)[:300])


def test_a_query_the_engine_refuses_is_a_400(app: Flask, opensearch: OpenSearch,
                                             search_index: str) -> None:
    """The real engine answers 400 to a query it cannot parse; that is not a server fault."""
    engine = OpenSearchEngine(opensearch)
    with pytest.raises(BadRequest) as caught:
        services._run(engine, search_index, {"query": {"range": {"price": {"gte": "abc"}}}})
    assert caught.value.code == "search_rejected"
    assert caught.value.status == 400
