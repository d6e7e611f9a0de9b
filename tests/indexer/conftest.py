"""Fixtures for the indexer: a private alias per test, sessions on committed data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mall.search.index import index_body


@pytest.fixture
def alias(opensearch: OpenSearch) -> Iterator[str]:
    """A fresh alias over one empty index; every index named after it is deleted afterwards."""
    name = f"mall-idx-test-{uuid.uuid4().hex[:8]}"
    opensearch.indices.create(index=f"{name}-seed", body=index_body())
    opensearch.indices.put_alias(index=f"{name}-seed", name=name)
    yield name
    opensearch.indices.delete(index=f"{name}-*", ignore_unavailable=True)


@pytest.fixture
def session(app: Flask, committed_db: Engine) -> Iterator[Session]:
    """A plain session on the real engine (its commits are real; tables truncated after)."""
    s = Session(bind=committed_db, expire_on_commit=False)
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def new_session(committed_db: Engine) -> Iterator[callable]:  # type: ignore[valid-type]
    """Open further independent sessions (other 'processes') on the same database."""
    opened: list[Session] = []

    def make() -> Session:
        s = Session(bind=committed_db, expire_on_commit=False)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.rollback()
        s.close()


def search_ids(client: OpenSearch, alias: str, **query: object) -> dict[int, dict]:
    client.indices.refresh(index=alias)
    body = {"query": query or {"match_all": {}}, "size": 1000}
    hits = client.search(index=alias, body=body)["hits"]["hits"]
    return {int(h["_id"]): h["_source"] for h in hits}
