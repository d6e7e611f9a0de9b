"""The app's OpenSearch client keeps a connection per concurrent request (real node)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from opensearchpy import OpenSearch

from mall.search.client import POOL_MAXSIZE, make_client
from tests.conftest import OPENSEARCH_URL


class Kept(logging.Handler):
    """Keeps urllib3's warnings (a handler of our own: works with or without pytest's
    logging plugin)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_concurrent_searches_reuse_pooled_connections(opensearch: OpenSearch) -> None:
    client = make_client(OPENSEARCH_URL, timeout=30)
    threads = 12  # fewer than POOL_MAXSIZE, more than urllib3's default pool of one
    assert threads < POOL_MAXSIZE

    def ask(_: int) -> int:
        return int(client.cluster.health()["number_of_nodes"])

    logger, kept = logging.getLogger("urllib3.connectionpool"), Kept()
    logger.addHandler(kept)
    try:
        for _ in range(3):  # rounds of concurrent requests over the same pool
            with ThreadPoolExecutor(threads) as pool:
                assert all(n >= 1 for n in pool.map(ask, range(threads * 2)))
    finally:
        logger.removeHandler(kept)
    # a full pool discards the connection and logs it; every request opened a new TCP one
    assert not [m for m in kept.messages if "pool is full" in m]
