from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.mark.smoke
def test_openapi_document_lists_every_api_route(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    api_rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule)
                 for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")}
    assert set(document["paths"]) == api_rules | {"/healthz"}
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in token  # public: it is how a token is obtained
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert me["responses"]["401"] == {"$ref": "#/components/responses/401"}


def test_promised_endpoints_are_described(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/search", "/api/v1/search/suggest",
                 "/api/v1/admin/organizations", "/api/v1/admin/users", "/healthz"):
        assert path in paths, path
