"""The document describes every operation fully, validates, and /api/docs renders it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from mall.accounts.permissions import public
from mall.apidoc import documented
from mall.openapi.document import UndocumentedView, build_document, undocumented_views
from mall.openapi.views import SWAGGER_UI_ASSETS


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items()
            for method, op in item.items()]


@pytest.mark.smoke
def test_the_document_is_valid_openapi(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    validate(document)  # openapi-spec-validator: raises on any error
    assert document["openapi"] == "3.1.0"


def test_every_api_view_is_documented(app: Flask) -> None:
    """Drift: an API view without @documented is named here (and the document refuses it)."""
    missing = undocumented_views(app)
    assert not missing, ("API views without @documented (mall/apidoc.py; add it under the "
                         "route decorator): " + "; ".join(missing))


def test_an_undocumented_view_is_named(app: Flask) -> None:
    undocumented = Flask(__name__)
    undocumented.add_url_rule("/api/v1/probe", "probe_api.probe", public(lambda: {}))
    assert undocumented_views(undocumented) == ["probe_api.probe (GET /api/v1/probe)"]
    with pytest.raises(UndocumentedView, match=r"probe_api\.probe \(/api/v1/probe\)"):
        build_document(undocumented, strict=True)
    assert build_document(undocumented)["paths"] == {}  # served without it meanwhile


def test_documented_only_attaches_metadata() -> None:
    def view() -> str:
        return "same"

    assert documented(responses={200: None})(view) is view
    assert view() == "same"


def test_operations_have_bodies_answers_and_parameters(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    for path, method, operation in _operations(document):
        answers = [s for s in operation["responses"] if s.startswith("2")]
        assert answers, f"{method} {path} documents no success answer"
        assert "default" in operation["responses"]
        if method in ("post", "put", "patch") and "content" in operation.get(
                "requestBody", {}):
            content = operation["requestBody"]["content"]
            # A picture upload has no JSON form: its schema is the multipart form's.
            assert (content.get("application/json") or content["multipart/form-data"])["schema"]
    paths = document["paths"]
    create = paths["/api/v1/admin/users"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UserCreate"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/User"}
    assert create["x-required-roles"] == ["center_admin"]
    listing = paths["/api/v1/admin/organizations"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"kind", "status", "page", "per_page"} <= names
    pay = paths["/api/v1/orders/{order_id}/payments"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in pay["parameters"]}
    money = document["components"]["schemas"]["Money"]
    assert money["required"] == ["amount", "currency"]
    error = document["components"]["responses"]["422"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}


def test_decimal_strings_are_documented_as_strings(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["Refund"]["properties"]["amount"] == {"$ref": "#/components/schemas/Money"}
    assert schemas["RefundRequest"]["properties"]["amount"]["type"] == "string"


def test_api_docs_render_swagger_ui_from_local_assets(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html and "http" not in html.split("<body>")[1]  # no inline, no CDN
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in ("/api/docs/assets/swagger-ui-bundle.js", "/api/docs/assets/swagger-ui.css",
                  "/static/apidocs.js"):
        assert client.get(asset).status_code == 200, asset
    assert (SWAGGER_UI_ASSETS / "swagger-ui-bundle.js").exists()
    assert client.get("/api/docs/assets/index.html").status_code == 404
