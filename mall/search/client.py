"""The search engine behind a small interface; OpenSearch (opensearch-py) is the default."""

from __future__ import annotations

from typing import Any, Protocol, cast

from flask import Flask, current_app
from opensearchpy import OpenSearch
from opensearchpy.exceptions import (
    ConnectionError as OpenSearchConnectionError,
)
from opensearchpy.exceptions import (
    ConnectionTimeout,
    NotFoundError,
    TransportError,
)

from mall.config import Config

# Errors meaning "the engine is unreachable or too slow": the API answers 503 for these.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OpenSearchConnectionError, ConnectionTimeout)


class SearchEngine(Protocol):
    """What the app needs from a search engine."""

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def health(self) -> dict[str, Any]: ...


# Connections kept open per node: one per request thread (gunicorn runs 16 per worker by
# default). urllib3's own default keeps one, so under concurrent searches every other request
# opened a new TCP connection and logged "Connection pool is full, discarding connection".
POOL_MAXSIZE = 32


def make_client(url: str, timeout: float, **kwargs: Any) -> OpenSearch:
    """A client for ``url``: one node, or several separated by commas.

    With several nodes a request that cannot reach one goes to the next (one try per node),
    so a cluster keeps answering while a node is down; with one it fails at once.
    """
    hosts = [h.strip() for h in url.split(",") if h.strip()]
    return OpenSearch(
        hosts=hosts,
        timeout=timeout,
        max_retries=kwargs.pop("max_retries", len(hosts) - 1),
        retry_on_timeout=False,
        http_compress=kwargs.pop("http_compress", False),
        pool_maxsize=kwargs.pop("pool_maxsize", POOL_MAXSIZE),
        **kwargs,
    )


class OpenSearchEngine:
    """SearchEngine over opensearch-py, plus the index administration the indexer uses."""

    def __init__(self, client: OpenSearch, cancel_after: float | None = None) -> None:
        self.client = client
        self.cancel_after = cancel_after

    @classmethod
    def from_config(cls, config: Config, timeout: float | None = None) -> OpenSearchEngine:
        timeout = timeout or config.search_timeout
        return cls(make_client(config.opensearch_url, timeout), cancel_after=timeout)

    def search_params(self) -> dict[str, Any]:
        """Query-string parameters of every search.

        ``cancel_after_time_interval``: the engine cancels a search once the app has stopped
        waiting for it (its client timeout, answered 503). Without it an abandoned search ran
        to the end: under overload the node spent its CPU on answers nobody read, and more
        of the searches behind them timed out in turn.
        """
        params: dict[str, Any] = {"allow_partial_search_results": False}
        if self.cancel_after:
            params["cancel_after_time_interval"] = f"{round(self.cancel_after * 1000)}ms"
        return params

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        # A shard that cannot answer (a node leaving or rejoining a cluster) fails the search
        # (a 503, retried on the next node) instead of quietly answering with part of the
        # catalogue and a total that is too small.
        response: dict[str, Any] = self.client.search(
            index=index, body=body, **self.search_params())
        return response

    def health(self) -> dict[str, Any]:
        health: dict[str, Any] = self.client.cluster.health()
        return health


class SearchBackend:
    """Flask extension: each app holds its own engine (a real OpenSearch client by default)."""

    def init_app(self, app: Flask) -> None:
        config: Config = app.config["MALL"]
        app.extensions["mall.search"] = OpenSearchEngine.from_config(config)

    @staticmethod
    def engine() -> OpenSearchEngine:
        return cast(OpenSearchEngine, current_app.extensions["mall.search"])  # set in init_app


search_backend = SearchBackend()

__all__ = [
    "UNAVAILABLE_ERRORS",
    "NotFoundError",
    "OpenSearchEngine",
    "SearchBackend",
    "SearchEngine",
    "TransportError",
    "make_client",
    "search_backend",
]
