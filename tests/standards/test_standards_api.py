"""The requirement check endpoint, requisitions refused on a block finding, and standards."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.catalog.models import Category
from mall.orders.models import Requisition
from mall.standards.models import Standard
from tests.factories.accounts import auth_headers, buyer, center_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category, make_offer
from tests.orders.conftest import build_world

# --- POST /requirements/check --------------------------------------------------------------

def test_check_answers_findings_with_spans(client: FlaskClient) -> None:
    text = "投标产品须为联想品牌，注册资本不低于5000万元。"
    response = client.post("/api/v1/requirements/check", json={"text": text})
    assert response.status_code == 200, response.json
    findings = response.json["findings"]
    assert [(f["code"], f["severity"]) for f in findings] == [
        ("brand_named", "block"), ("unnecessary_qualification", "block")]
    assert [text[f["start"]:f["end"]] for f in findings] == ["联想", "注册资本不低于5000万元"]
    assert all(f["message_zh"] and f["message_en"] for f in findings)


def test_check_knows_the_catalogues_brands(client: FlaskClient, db_session: Session) -> None:
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    make_offer(db_session, make_agreement(db_session, category=category), brand="Quuxtronic",
               model="QX 9000")
    text = "Notebooks must be Quuxtronic QX 9000."
    body = client.post("/api/v1/requirements/check",
                       json={"text": text, "category_code": category.code}).json
    assert {(f["code"], text[f["start"]:f["end"]]) for f in body["findings"]} >= {
        ("brand_named", "Quuxtronic"), ("model_named", "QX 9000")}
    assert client.post("/api/v1/requirements/check",
                       json={"text": "Any brand; 16 GB memory."}).json == {"findings": []}


def test_check_refuses_bad_input(client: FlaskClient) -> None:
    assert client.post("/api/v1/requirements/check", json={}).status_code == 400
    assert client.post("/api/v1/requirements/check", json={"text": 5}).status_code == 400
    response = client.post("/api/v1/requirements/check",
                           json={"text": "x", "category_code": "NOPE"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "unknown_category"


# --- POST /requisitions with requirement_text ------------------------------------------------

def _requisitions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Requisition)) or 0


def test_requisition_with_a_blocking_requirement_is_refused(
        client: FlaskClient, db_session: Session, app: Flask) -> None:
    world = build_world(db_session, app)
    before = _requisitions(db_session)
    body = {"lines": [{"offer_id": world.offers[0].id, "quantity": 1}],
            "requirement_text": "须为联想品牌，投标人须在本市设有分支机构。"}
    response = client.post("/api/v1/requisitions", json=body, headers=world.headers(world.buyer))
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "requirement_refused"
    assert {f["code"] for f in error["details"]["findings"]} == {"brand_named",
                                                                  "local_restriction"}
    assert _requisitions(db_session) == before


def test_requisition_with_warnings_only_goes_through(
        client: FlaskClient, db_session: Session, app: Flask) -> None:
    world = build_world(db_session, app)
    for text in ("须为联想品牌或同等产品。", "品牌不限，内存不低于16GB。", None):
        body: dict[str, Any] = {"lines": [{"offer_id": world.offers[0].id, "quantity": 1}]}
        if text is not None:
            body["requirement_text"] = text
        response = client.post("/api/v1/requisitions", json=body,
                               headers=world.headers(world.buyer))
        assert response.status_code == 201, response.json


# --- standards ----------------------------------------------------------------------------

@pytest.fixture
def center(app: Flask, db_session: Session) -> dict[str, str]:
    return auth_headers(app, db_session, center_admin(db_session))


@pytest.fixture
def laptops(db_session: Session) -> Category:
    return make_category(db_session, attributes=LAPTOP_TEMPLATE)


def _standard(category: Category, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "STD-LAPTOP-BASIC", "category_code": category.code,
        "title_zh": "通用笔记本电脑（基础型）", "title_en": "General laptop (basic)",
        "guidance_zh": "办公用", "grade": "basic",
        "requirements": [{"attribute": "memory_gb", "op": "gte", "value": 16},
                         {"attribute": "cpu", "op": "in", "value": ["i5", "i7"]}],
        "reference_price": "4500.00",
    }
    body.update(overrides)
    return body


def test_create_read_and_version(client: FlaskClient, center: dict[str, str],
                                 laptops: Category) -> None:
    first = client.post("/api/v1/admin/standards", json=_standard(laptops), headers=center)
    assert first.status_code == 201, first.json
    assert first.json["version"] == 1
    assert first.json["reference_price"] == {"amount": "4500.00", "currency": "CNY"}
    second = client.post("/api/v1/admin/standards", headers=center, json=_standard(
        laptops, requirements=[{"attribute": "memory_gb", "op": "gte", "value": 32}]))
    assert second.status_code == 201 and second.json["version"] == 2

    latest = client.get("/api/v1/standards/STD-LAPTOP-BASIC").json
    assert latest["version"] == 2
    assert latest["requirements"] == [{"attribute": "memory_gb", "op": "gte", "value": 32}]
    assert [h["version"] for h in latest["history"]] == [1, 2]
    old = client.get("/api/v1/standards/STD-LAPTOP-BASIC?version=1").json
    assert old["version"] == 1 and len(old["requirements"]) == 2

    listed = client.get(f"/api/v1/standards?category={laptops.code}").json
    assert listed["total"] == 1 and listed["items"][0]["version"] == 2
    assert {"items", "total", "page", "per_page"} <= listed.keys()


def test_reading_what_is_not_there(client: FlaskClient) -> None:
    assert client.get("/api/v1/standards/NOPE").status_code == 404
    assert client.get("/api/v1/standards/NOPE?version=x").status_code == 400
    assert client.get("/api/v1/standards?category=NOPE").status_code == 422
    assert client.get("/api/v1/standards?per_page=500").status_code == 400


@pytest.mark.parametrize("condition, field, code", [
    ({"attribute": "weight_kg", "op": "eq", "value": 1}, "requirements.0.attribute",
     "attribute_unknown"),
    ({"attribute": "cpu", "op": "gte", "value": 5}, "requirements.0.op", "op_not_allowed"),
    ({"attribute": "memory_gb", "op": "gte", "value": "lots"}, "requirements.0.value",
     "attribute_type"),
    ({"attribute": "memory_gb", "op": "eq", "value": True}, "requirements.0.value",
     "attribute_type"),
    ({"attribute": "cpu", "op": "eq", "value": "Pentium"}, "requirements.0.value",
     "attribute_not_allowed"),
    ({"attribute": "cpu", "op": "in", "value": ["i5", "M68000"]}, "requirements.0.value.1",
     "attribute_not_allowed"),
    ({"attribute": "cpu", "op": "in", "value": "i5"}, "requirements.0.value", "attribute_type"),
    ({"attribute": "touchscreen", "op": "eq", "value": "yes"}, "requirements.0.value",
     "attribute_type"),
])
def test_requirements_checked_against_the_template(
        client: FlaskClient, center: dict[str, str], laptops: Category, db_session: Session,
        condition: dict[str, Any], field: str, code: str) -> None:
    response = client.post("/api/v1/admin/standards", headers=center,
                           json=_standard(laptops, requirements=[condition]))
    assert response.status_code == 422, response.json
    assert response.json["error"]["details"]["problems"] == [
        {"field": field, "code": code, "message": response.json["error"]["details"]
         ["problems"][0]["message"]}]
    assert db_session.scalar(select(func.count()).select_from(Standard)) == 0


def test_only_the_center_writes_standards(client: FlaskClient, app: Flask,
                                          db_session: Session, laptops: Category) -> None:
    assert client.post("/api/v1/admin/standards", json=_standard(laptops)).status_code == 401
    headers = auth_headers(app, db_session, buyer(db_session))
    response = client.post("/api/v1/admin/standards", json=_standard(laptops), headers=headers)
    assert response.status_code == 403


def test_shape_errors(client: FlaskClient, center: dict[str, str], laptops: Category) -> None:
    for body in ({}, _standard(laptops, requirements=[]), _standard(laptops, code="bad code"),
                 _standard(laptops, requirements=[{"attribute": "cpu", "op": "like",
                                                   "value": "i5"}])):
        response = client.post("/api/v1/admin/standards", json=body, headers=center)
        assert response.status_code == 400, body
