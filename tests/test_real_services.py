"""The suite talks to the real services: OpenSearch, PostgreSQL and localstripe."""

from __future__ import annotations

import uuid

import pytest
import stripe
from opensearchpy import OpenSearch
from sqlalchemy import Engine, text

from mall.search.index import index_body


def test_opensearch_cluster_is_healthy(opensearch: OpenSearch) -> None:
    health = opensearch.cluster.health()
    assert health["status"] in ("green", "yellow")
    version = opensearch.info()["version"]["number"]
    print(f"OpenSearch {version}, cluster {health['cluster_name']} is {health['status']}")
    assert version.startswith("2.19")


def test_opensearch_index_round_trip_with_the_app_mapping(opensearch: OpenSearch) -> None:
    name = f"roundtrip-{uuid.uuid4().hex[:8]}"
    opensearch.indices.create(index=name, body=index_body())
    try:
        opensearch.index(index=name, id="1", refresh="wait_for", body={
            "offer_id": 1, "title": "联想 ThinkPad E14 笔记本电脑", "brand": "Lenovo",
            "model": "ThinkPad E14", "price": 4999.0, "regions": ["*"],
        })
        hits = opensearch.search(index=name, body={"query": {"match": {"title": "笔记本"}}})
        assert hits["hits"]["total"]["value"] == 1
        assert opensearch.get(index=name, id="1")["_source"]["model"] == "ThinkPad E14"
        # dynamic mapping is off: an unknown field is refused, not silently added
        with pytest.raises(Exception, match=r"strict_dynamic_mapping"):
            opensearch.index(index=name, id="2", body={"surprise": 1})
    finally:
        opensearch.indices.delete(index=name)


def test_chinese_analysis_is_available(opensearch: OpenSearch) -> None:
    name = f"analysis-{uuid.uuid4().hex[:8]}"
    opensearch.indices.create(index=name, body=index_body())
    try:
        tokens = opensearch.indices.analyze(index=name, body={"analyzer": "zh_text",
                                                              "text": "笔记本电脑"})
        terms = {t["token"] for t in tokens["tokens"]}
        assert {"笔记", "记本", "电脑"} <= terms
        compact = opensearch.indices.analyze(index=name, body={"normalizer": "compact",
                                                               "text": "ThinkPad-E14"})
        assert compact["tokens"][0]["token"] == "thinkpade14"
    finally:
        opensearch.indices.delete(index=name)


def test_postgresql_is_real_and_migrated(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        if db_engine.dialect.name != "postgresql":
            pytest.skip("running the smoke subset on SQLite")
        version = connection.execute(text("SHOW server_version")).scalar_one()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    print(f"PostgreSQL {version}, schema at revision {revision}")
    assert int(version.split(".")[0]) >= 13
    assert revision


def test_localstripe_accepts_a_payment_intent(stripe_api_base: str) -> None:
    client = stripe.StripeClient("sk_test_localstripe",
                                 base_addresses={"api": stripe_api_base}, max_network_retries=0)
    intent = client.v1.payment_intents.create(params={
        "amount": 12345, "currency": "cny", "payment_method": "pm_card_visa",
        "confirm": True,
    })
    assert intent.status == "succeeded"
    fetched = client.v1.payment_intents.retrieve(intent.id)
    assert fetched.amount == 12345
