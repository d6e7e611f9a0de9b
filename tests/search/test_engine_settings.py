"""What the app asks of the engine on every search (real node)."""

from __future__ import annotations

import pytest
from flask import Flask
from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError

from mall.config import Config
from mall.search.client import OpenSearchEngine
from tests.conftest import OPENSEARCH_URL


def test_searches_are_cancelled_by_the_engine_when_the_app_stops_waiting() -> None:
    config = Config.from_env().replace(opensearch_url=OPENSEARCH_URL, search_timeout=2.5)
    params = OpenSearchEngine.from_config(config).search_params()
    assert params["cancel_after_time_interval"] == "2500ms"
    assert params["allow_partial_search_results"] is False
    assert "cancel_after_time_interval" not in OpenSearchEngine(
        OpenSearchEngine.from_config(config).client).search_params()


def test_the_node_takes_the_search_parameters(app: Flask, search_index: str,
                                              opensearch: OpenSearch) -> None:
    engine = app.extensions["mall.search"]
    assert engine.search_params()["cancel_after_time_interval"].endswith("ms")
    answer = engine.search(search_index, {"query": {"match_all": {}}, "size": 0})
    assert answer["timed_out"] is False
    # The node refuses a parameter it does not know, so the answer above shows it read ours.
    with pytest.raises(RequestError, match="unrecognized parameter"):
        opensearch.search(index=search_index, body={"size": 0},
                          params={"cancel_after_time_intervl": "1s"})
