"""Shared catalog fixtures: a center admin, an awarded supplier and a laptop agreement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.catalog.models import Agreement, Category
from mall.outbox.models import OutboxEvent
from tests.factories.accounts import auth_headers, center_admin, supplier_admin
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category


@dataclass
class Catalog:
    center: User
    center_headers: dict[str, str]
    supplier: User
    headers: dict[str, str]
    category: Category
    agreement: Agreement


def make_catalog(app: Flask, session: Session) -> Catalog:
    """A center admin, a supplier awarded a laptop agreement (CN-BJ, CN-SH), their tokens."""
    center = center_admin(session)
    supplier = supplier_admin(session)
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(session, category=category,
                               suppliers=[supplier.organization], ceiling="10000.00",
                               regions=["CN-BJ", "CN-SH"])
    return Catalog(center, auth_headers(app, session, center), supplier,
                   auth_headers(app, session, supplier), category, agreement)


@pytest.fixture
def catalog(app: Flask, db_session: Session) -> Catalog:
    return make_catalog(app, db_session)


def offer_body(catalog: Catalog, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "agreement_number": catalog.agreement.number,
        "lot_code": "L1",
        "category_code": catalog.category.code,
        "title": "联想 ThinkPad E14 笔记本电脑",
        "title_en": "Lenovo ThinkPad E14 laptop",
        "brand": "Lenovo",
        "model": "ThinkPad E14",
        "gtin": "4006381333931",
        "unit": "台",
        "price": "4999.00",
        "stock": 10,
        "lead_time_days": 3,
        "regions": ["CN-BJ"],
        "attributes": {"cpu": "i5", "memory_gb": 16},
        "valid_until": (date.today() + timedelta(days=90)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def outbox_count(session: Session, offer_id: int | None = None,
                 entity_type: str = "offer") -> int:
    """Outbox rows about offers (or ``entity_type``), of one entity when ``offer_id`` is set."""
    query = select(func.count()).select_from(OutboxEvent).where(
        OutboxEvent.entity_type == entity_type)
    if offer_id is not None:
        query = query.where(OutboxEvent.entity_id == offer_id)
    return session.scalar(query) or 0
