"""Each offer rule of issue 3, refused and accepted, through PUT /api/v1/supplier/offers/{sku}."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.catalog.models import ItemCeiling, Offer
from mall.catalog.validation import gtin_problem
from tests.catalog.conftest import Catalog, offer_body
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category

Case = Callable[[Session, Catalog], dict[str, Any]]
TODAY = date.today()


def _ended_agreement(s: Session, c: Catalog) -> dict[str, Any]:
    a = make_agreement(s, category=c.category, suppliers=[c.supplier.organization],
                       starts_on=TODAY - timedelta(days=400), ends_on=TODAY - timedelta(days=1))
    return {"agreement_number": a.number, "valid_until": (TODAY + timedelta(days=5)).isoformat()}


def _not_awarded(s: Session, c: Catalog) -> dict[str, Any]:
    return {"agreement_number": make_agreement(s, category=c.category).number}


def _suspended(s: Session, c: Catalog) -> dict[str, Any]:
    a = make_agreement(s, category=c.category, suppliers=[c.supplier.organization],
                       status="suspended")
    return {"agreement_number": a.number}


def _other_category(s: Session, c: Catalog) -> dict[str, Any]:
    return {"category_code": make_category(s, attributes=LAPTOP_TEMPLATE).code}


def _child_category(s: Session, c: Catalog) -> dict[str, Any]:
    return {"category_code": make_category(s, parent=c.category, attributes=LAPTOP_TEMPLATE).code}


def _item_ceiling(s: Session, c: Catalog) -> None:
    s.add(ItemCeiling(agreement_id=c.agreement.id, supplier_id=c.supplier.organization_id,
                      sku="SKU-1", ceiling_price=Decimal("3000.00")))
    s.flush()


def _nationwide(s: Session, c: Catalog) -> dict[str, Any]:
    a = make_agreement(s, category=c.category, suppliers=[c.supplier.organization],
                       regions=["*"])
    return {"agreement_number": a.number, "regions": ["CN-GD", "*"]}


def _days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def _end(c: Catalog, extra: int = 0) -> str:
    return (c.agreement.ends_on + timedelta(days=extra)).isoformat()


# (name, refused overrides, field, code, accepted overrides)
RULES: list[tuple[str, Case, str, str, Case]] = [
    ("agreement exists", lambda s, c: {"agreement_number": "GC-NOPE"},
     "agreement_number", "agreement_unknown", lambda s, c: {}),
    ("agreement in date", _ended_agreement, "agreement_number", "agreement_not_in_date",
     lambda s, c: {}),
    ("agreement active", _suspended, "agreement_number", "agreement_not_active",
     lambda s, c: {}),
    ("supplier awarded", _not_awarded, "agreement_number", "supplier_not_awarded",
     lambda s, c: {}),
    ("lot belongs to agreement", lambda s, c: {"lot_code": "L9"}, "lot_code", "lot_unknown",
     lambda s, c: {"lot_code": "L1"}),
    ("category belongs to lot", _other_category, "category_code", "category_not_in_lot",
     _child_category),
    ("attribute unknown key", lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8,
                                                            "weight": 1}},
     "attributes.weight", "attribute_unknown",
     lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8, "color": "黑"}}),
    ("attribute required", lambda s, c: {"attributes": {"memory_gb": 8}},
     "attributes.cpu", "attribute_required", lambda s, c: {"attributes": {"cpu": "i7",
                                                                          "memory_gb": 8}}),
    ("attribute allowed value", lambda s, c: {"attributes": {"cpu": "i9", "memory_gb": 8}},
     "attributes.cpu", "attribute_not_allowed",
     lambda s, c: {"attributes": {"cpu": "Ryzen 7", "memory_gb": 8}}),
    ("attribute number type", lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": "lots"}},
     "attributes.memory_gb", "attribute_type",
     lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 32.5}}),
    ("attribute unit", lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": "16 TB"}},
     "attributes.memory_gb", "attribute_unit",
     lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": "16 GB"}}),
    ("attribute bool type", lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8,
                                                          "touchscreen": "yes"}},
     "attributes.touchscreen", "attribute_type",
     lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8, "touchscreen": True}}),
    ("attribute text type", lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8,
                                                          "color": 5}},
     "attributes.color", "attribute_type",
     lambda s, c: {"attributes": {"cpu": "i5", "memory_gb": 8, "color": "silver"}}),
    ("price positive", lambda s, c: {"price": "0"}, "price", "price_not_positive",
     lambda s, c: {"price": "0.01"}),
    ("price two decimals", lambda s, c: {"price": "10.001"}, "price", "price_precision",
     lambda s, c: {"price": "10.50"}),
    ("price within lot ceiling", lambda s, c: {"price": "10000.01"}, "price",
     "price_above_ceiling", lambda s, c: {"price": "10000.00"}),
    ("price within item ceiling", lambda s, c: _item_ceiling(s, c) or {"price": "3000.01"},
     "price", "price_above_ceiling", lambda s, c: {"price": "3000.00"}),
    ("regions within agreement", lambda s, c: {"regions": ["CN-BJ", "CN-GD"]}, "regions",
     "region_not_covered", _nationwide),
    ("nationwide needs a nationwide agreement", lambda s, c: {"regions": ["*"]}, "regions",
     "region_not_covered", lambda s, c: {"regions": ["CN-SH", "CN-BJ"]}),
    ("valid_until in future", lambda s, c: {"valid_until": TODAY.isoformat()}, "valid_until",
     "valid_until_past", lambda s, c: {"valid_until": _days(1)}),
    ("valid_until within agreement", lambda s, c: {"valid_until": _end(c, 1)}, "valid_until",
     "valid_until_after_agreement", lambda s, c: {"valid_until": _end(c)}),
    ("gtin check digit", lambda s, c: {"gtin": "4006381333932"}, "gtin", "gtin_check_digit",
     lambda s, c: {"gtin": "4006381333931"}),
    ("gtin length", lambda s, c: {"gtin": "400638133"}, "gtin", "gtin_format",
     lambda s, c: {"gtin": "96385074"}),
]


@pytest.mark.parametrize(("name", "refused", "field", "code", "accepted"), RULES,
                         ids=[r[0] for r in RULES])
def test_rule_refused_then_accepted(client: FlaskClient, db_session: Session, catalog: Catalog,
                                    name: str, refused: Case, field: str, code: str,
                                    accepted: Case) -> None:
    body = offer_body(catalog, **refused(db_session, catalog))
    response = client.put("/api/v1/supplier/offers/SKU-1", json=body, headers=catalog.headers)
    assert response.status_code == 422, response.json
    problems = response.json["error"]["details"]["problems"]
    assert {"field": field, "code": code} in [
        {"field": p["field"], "code": p["code"]} for p in problems], problems
    assert db_session.scalar(select(func.count()).select_from(Offer)) == 0

    body = offer_body(catalog, **accepted(db_session, catalog))
    response = client.put("/api/v1/supplier/offers/SKU-1", json=body, headers=catalog.headers)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "active"


@pytest.mark.smoke
def test_every_problem_is_reported_at_once(client: FlaskClient, catalog: Catalog) -> None:
    body = offer_body(catalog, price="20000", regions=["CN-GD"], gtin="4006381333932",
                      attributes={"memory_gb": "many"})
    response = client.put("/api/v1/supplier/offers/SKU-2", json=body, headers=catalog.headers)
    assert response.status_code == 422
    codes = {p["code"] for p in response.json["error"]["details"]["problems"]}
    assert codes == {"price_above_ceiling", "region_not_covered", "gtin_check_digit",
                     "attribute_type", "attribute_required"}


@pytest.mark.smoke
def test_missing_and_mistyped_fields_are_a_400_with_problems(
        client: FlaskClient, catalog: Catalog) -> None:
    body = offer_body(catalog, title=..., stock="ten", extra="x")
    response = client.put("/api/v1/supplier/offers/SKU-3", json=body, headers=catalog.headers)
    assert response.status_code == 400
    problems = {(p["field"], p["code"]) for p in response.json["error"]["details"]["problems"]}
    assert {("title", "required"), ("stock", "invalid"), ("extra", "unknown_field")} <= problems


def test_number_with_unit_is_stored_as_plain_number(client: FlaskClient,
                                                     catalog: Catalog) -> None:
    body = offer_body(catalog, attributes={"cpu": "i5", "memory_gb": "16 GB"})
    response = client.put("/api/v1/supplier/offers/SKU-4", json=body, headers=catalog.headers)
    assert response.status_code == 201
    assert response.json["attributes"] == {"cpu": "i5", "memory_gb": 16}


@pytest.mark.parametrize("gtin", ["96385074", "036000291452", "4006381333931",
                                  "00036000291452"])
def test_valid_gtins(gtin: str) -> None:
    assert gtin_problem(gtin) is None


@pytest.mark.parametrize("gtin", ["96385075", "036000291453", "4006381333930", "0003600029145X"])
def test_invalid_gtins(gtin: str) -> None:
    assert gtin_problem(gtin) is not None
