"""Locust users for ``bench/search_load.py``: the app's search API, and OpenSearch itself.

``AppSearch`` asks ``GET /api/v1/search`` for the judged queries; ``RawSearch`` sends the very
bodies the app builds for them straight to OpenSearch (``POST /{alias}/_search``). The bench
runs each alone against its own host, so their throughputs compare like for like.
Bodies and queries come from the file named by ``MALL_LOAD_BODIES`` (written by the bench).
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from locust import FastHttpUser, constant, task

with open(os.environ["MALL_LOAD_BODIES"], encoding="utf-8") as f:
    _LOAD: dict[str, Any] = json.load(f)
_QUERIES = itertools.cycle(_LOAD["queries"])
_BODIES = itertools.cycle(_LOAD["bodies"])


class AppSearch(FastHttpUser):
    wait_time = constant(0)

    @task
    def search(self) -> None:
        self.client.get("/api/v1/search", params={"q": next(_QUERIES), "per_page": "20"},
                        name="app search")


class RawSearch(FastHttpUser):
    wait_time = constant(0)

    @task
    def search(self) -> None:
        self.client.post(f"/{_LOAD['alias']}/_search", data=json.dumps(next(_BODIES)),
                         headers={"Content-Type": "application/json"}, name="raw search")
