"""Search test helpers: one database transaction shared by a whole module.

The relevance and filter suites index a catalog once per module; the data lives in a
transaction rolled back when the module ends, and the app's ``db.session`` is bound to it so
requests through the test client see the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.search.relevance_data import Catalog, build_catalog
from tests.support import index_offers, rolled_back_session


@pytest.fixture(scope="module")
def module_session(app: Flask, db_engine: Engine) -> Iterator[Session]:
    with rolled_back_session(app, db_engine) as session:
        yield session


@pytest.fixture(scope="module")
def catalog(module_session: Session, search_index: str, opensearch: OpenSearch
            ) -> Iterator[Catalog]:
    """The relevance catalog, in the database and indexed, once per module."""
    built = build_catalog(module_session)
    index_offers(opensearch, search_index, built.offers)
    yield built
