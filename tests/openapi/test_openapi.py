from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mall.openapi.document import expand_rule

WRITE_METHODS = {"post", "put", "patch", "delete"}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in document["paths"].items()
            for method, operation in item.items()]


def _filled(path: str, operation: dict[str, Any]) -> str:
    """The path with every parameter given a well-formed value."""
    for parameter in operation["parameters"]:
        value = "1" if parameter["schema"]["type"] == "integer" else "SKU-1"
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


@pytest.mark.smoke
def test_openapi_document_lists_every_api_route(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    # Each documented operation routes to a real endpoint, and every API endpoint is there.
    adapter = app.url_map.bind("localhost")
    routed = {adapter.match(_filled(path, op), method.upper())[0]
              for path, method, op in _operations(document)}
    api_endpoints = {r.endpoint for r in app.url_map.iter_rules()
                     if r.rule.startswith("/api/v1") or r.rule == "/healthz"}
    assert routed == api_endpoints
    assert not any("<" in path for path in document["paths"])
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []  # public: it is how a token is obtained
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert me["responses"]["401"] == {"$ref": "#/components/responses/401"}


def test_fixed_word_segments_become_one_path_each() -> None:
    expanded = expand_rule("/api/v1/orders/<int:order_id>/<any(accept, cancel):action>")
    assert [(path, suffix) for path, suffix, _ in expanded] == [
        ("/api/v1/orders/{order_id}/accept", ".accept"),
        ("/api/v1/orders/{order_id}/cancel", ".cancel")]
    assert expanded[0][2] == [{"name": "order_id", "in": "path", "required": True,
                               "schema": {"type": "integer"}}]


def test_security_follows_the_declared_guards(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    supplier_offer = paths["/api/v1/supplier/offers/{sku}"]["get"]
    assert supplier_offer["security"] == [{"bearer": []}]
    assert supplier_offer["x-required-roles"] == ["supplier_admin"]
    # Public reads: anonymous works, a purchaser's token narrows them to its region.
    for path in ("/api/v1/offers/{offer_id}", "/api/v1/products/{product_id}/offers",
                 "/api/v1/search"):
        assert paths[path]["get"]["security"] == [{}, {"bearer": []}], path


def test_the_document_agrees_with_real_unauthenticated_requests(client: FlaskClient) -> None:
    """Drift fails here: a secured operation must answer 401 without a token, a public one not."""
    document = client.get("/api/v1/openapi.json").json
    disagreements = []
    for path, method, operation in _operations(document):
        url = _filled(path, operation)
        kwargs: dict[str, Any] = {"json": {}} if method in WRITE_METHODS else {}
        status = client.open(url, method=method.upper(), **kwargs).status_code
        secured = operation["security"] == [{"bearer": []}]
        if secured != (status == 401):
            disagreements.append((method.upper(), url, operation["security"], status))
    assert disagreements == []


def test_promised_endpoints_are_described(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/search", "/api/v1/search/suggest",
                 "/api/v1/admin/organizations", "/api/v1/admin/users", "/healthz",
                 "/api/v1/orders/{order_id}/accept", "/api/v1/orders/{order_id}/cancel"):
        assert path in paths, path
    assert all(re.fullmatch(r"[\w.]+", op["operationId"])
               for _, _, op in _operations({"paths": paths}))
