"""A purchasing world for order tests: one purchaser, approvers, an agreement and offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.catalog.models import Agreement, Category, Offer
from mall.orders.services import requisitions
from mall.orders.services.facts import Settings
from tests.factories.accounts import auth_headers, make_org, make_user
from tests.factories.catalog import make_agreement, make_category, make_offer


@dataclass
class World:
    session: Session
    app: Flask
    purchaser: Organization
    buyer: User
    approvers: list[User]
    category: Category
    agreement: Agreement
    suppliers: list[Organization]
    offers: list[Offer]
    settings: Settings
    _headers: dict[int, dict[str, str]] = field(default_factory=dict)

    def headers(self, user: User, **extra: str) -> dict[str, str]:
        if user.id not in self._headers:
            self._headers[user.id] = auth_headers(self.app, self.session, user)
        return {**self._headers[user.id], **extra}

    def supplier_user(self, index: int) -> User:
        return make_user(self.session, self.suppliers[index], roles=("supplier_admin",))

    def requisition(self, *lines: tuple[Offer, int], user: User | None = None,
                    **kwargs: Any) -> Any:
        return requisitions.create_requisition(self.session, self.settings, user or self.buyer,
                                      [(o.id, q) for o, q in lines], **kwargs)

    def add_category(self, code: str | None = None) -> tuple[Agreement, Offer]:
        category = make_category(self.session, code=code)
        agreement = make_agreement(self.session, category=category, suppliers=self.suppliers,
                                   ceiling=None, currency=self.agreement.currency,
                                   starts_on=self.agreement.starts_on,
                                   ends_on=self.agreement.ends_on)
        offer = make_offer(self.session, agreement, self.suppliers[0], price=Decimal("1.00"),
                           stock=100_000_000)
        return agreement, offer


def build_world(session: Session, app: Flask, *, jurisdiction: str = "cn-central",
                org_jurisdiction: str | None = None, suppliers: int = 3,
                sizes: tuple[str, ...] = ("large", "large", "large", "large", "large"),
                price: str = "1.00", stock: int = 100_000_000,
                starts_on: date | None = None, ends_on: date | None = None) -> World:
    currency = "USD" if (org_jurisdiction or jurisdiction) == "us-federal" else "CNY"
    region = "US-VA" if currency == "USD" else "CN-BJ"
    purchaser = make_org(session, kind="purchaser", region=region,
                         jurisdiction=org_jurisdiction)
    buyer = make_user(session, purchaser, roles=("buyer",))
    approvers = [make_user(session, purchaser, roles=("approver",)) for _ in range(3)]
    supplier_orgs = [make_org(session, kind="supplier", size=sizes[i], region=region)
                     for i in range(suppliers)]
    category = make_category(session)
    dates: dict[str, Any] = {}
    if starts_on:
        dates["starts_on"] = starts_on
    if ends_on:
        dates["ends_on"] = ends_on
    agreement = make_agreement(session, category=category, suppliers=supplier_orgs,
                               ceiling=None, currency=currency, **dates)
    offers = [make_offer(session, agreement, s, price=Decimal(price), stock=stock)
              for s in supplier_orgs]
    return World(session, app, purchaser, buyer, approvers, category, agreement,
                 supplier_orgs, offers, Settings(jurisdiction=jurisdiction))


@pytest.fixture
def world(db_session: Session, app: Flask) -> World:
    return build_world(db_session, app)
