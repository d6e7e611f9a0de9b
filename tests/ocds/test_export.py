"""``mall ocds export``: the same releases as the API, valid, on test data and demo data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.config import Config, ConfigError
from mall.demo.seed import seed_demo
from tests.ocds.conftest import Market, all_releases
from tests.ocds.validation import errors, record_errors


def _export(app: Flask, tmp_path: Path) -> dict:
    out = tmp_path / "releases.json"
    result = app.test_cli_runner().invoke(args=["ocds", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads(out.read_text())
    assert f"{len(package['releases'])} releases written" in result.output
    assert not (tmp_path / "releases.json.partial").exists()
    return package


def test_export_equals_the_api_and_validates(app: Flask, client: FlaskClient, market: Market,
                                             tmp_path: Path) -> None:
    package = _export(app, tmp_path)
    assert package["releases"] == all_releases(client)
    assert package["uri"] == (tmp_path / "releases.json").resolve().as_uri()
    assert package["publisher"] == {"name": market.center.name}
    assert errors(package) == {}


def test_export_to_standard_output(app: Flask, client: FlaskClient, market: Market) -> None:
    result = app.test_cli_runner().invoke(args=["ocds", "export", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["releases"] == all_releases(client)


def test_the_validator_finds_errors(client: FlaskClient, market: Market) -> None:
    """The zero-error checks above can fail: a wrong code and a wrong type are caught."""
    page = client.get("/api/v1/ocds/releases").json
    page["releases"][0]["tender"]["status"] = "sealed"
    page["releases"][0]["date"] = 20261201
    found = errors(page)
    assert found["validation_errors"] and found["additional_closed_codelist_values"]
    record = client.get(f"/api/v1/ocds/records/{page['releases'][1]['ocid']}").json
    del record["records"][0]["ocid"]
    assert record_errors(record)["record_package"]


@pytest.mark.postgres_only
def test_demo_data_validates(app: Flask, client: FlaskClient, db_session: Session,
                             tmp_path: Path) -> None:
    seed_demo(db_session, offers=300, today=date(2026, 11, 27))
    package = _export(app, tmp_path)
    assert len(package["releases"]) > 10
    assert errors(package) == {}
    assert package["releases"] == all_releases(client, per_page=100)
    ocid = package["releases"][0]["ocid"]
    assert record_errors(client.get(f"/api/v1/ocds/records/{ocid}").json) == {}


def test_ocid_prefix_is_configurable_and_checked(app: Flask, client: FlaskClient,
                                                 market: Market) -> None:
    assert Config.from_env({"MALL_OCDS_PREFIX": "ocds-abc123"}).ocds_prefix == "ocds-abc123"
    assert Config.from_env({}).ocds_prefix == "ocds-mall01"
    with pytest.raises(ConfigError, match="MALL_OCDS_PREFIX"):
        Config.from_env({"MALL_OCDS_PREFIX": "bad prefix/"})
    config = app.config["MALL"]
    app.config["MALL"] = config.replace(ocds_prefix="ocds-abc123")
    try:
        releases = client.get("/api/v1/ocds/releases").json["releases"]
        assert releases and all(r["ocid"].startswith("ocds-abc123-") for r in releases)
        assert all(r["id"].startswith(r["ocid"]) for r in releases)
    finally:
        app.config["MALL"] = config
