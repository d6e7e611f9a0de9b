"""Helpers shared by test fixtures in several folders."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from opensearchpy import OpenSearch, helpers
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mall.db import db
from mall.search.documents import build_document


@contextmanager
def rolled_back_session(app: Flask, engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end.

    The app's ``db.session`` is bound to the same connection, so views see the same data.
    """
    connection = engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.bind_override = connection
    try:
        with app.app_context():
            yield db.session()
    finally:
        db.session.remove()
        db.bind_override = None
        outer.rollback()
        connection.close()


def index_offers(opensearch: OpenSearch, alias: str, offers: list[Any]) -> None:
    """Index offers through the real document builder and make them searchable now."""
    helpers.bulk(opensearch, ({"_index": alias, "_id": str(o.id), "_source": build_document(o)}
                              for o in offers), refresh="wait_for")


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # the socket closes on exit, freeing the port
