from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mall import create_app


@pytest.mark.smoke
def test_healthz_reports_database_and_search_ok(client: FlaskClient, opensearch) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json == {"database": "ok", "search": "ok", "status": "ok"}


@pytest.mark.smoke
def test_healthz_is_503_when_search_is_down(app: Flask, db_session) -> None:
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused.
    broken = create_app(app.config["MALL"].replace(opensearch_url="http://127.0.0.1:9",
                                                   search_timeout=0.5))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["search"].startswith("error")
    assert response.json["status"] == "degraded"
