"""A joint-purchase world: three purchasers with different approval limits, three awarded
suppliers listing the same product (large at 100, small at 98, micro at 99), the center."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.catalog.models import Agreement, Offer
from mall.db import utcnow
from mall.orders.models import Requisition, RequisitionLine
from tests.factories.accounts import approval_limits, auth_headers, make_org, make_user
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category, make_offer


@dataclass
class JointWorld:
    session: Session
    app: Flask
    center: User
    purchasers: list[Organization]
    buyers: list[User]
    approvers: dict[int, list[User]]
    suppliers: list[Organization]
    supplier_users: list[User]
    agreement: Agreement
    offers: list[Offer]
    _headers: dict[int, dict[str, str]] = field(default_factory=dict)

    def headers(self, user: User, **extra: str) -> dict[str, str]:
        if user.id not in self._headers:
            self._headers[user.id] = auth_headers(self.app, self.session, user)
        return {**self._headers[user.id], **extra}

    @property
    def product_id(self) -> int:
        return self.offers[0].product_id

    def body(self, **overrides: Any) -> dict[str, Any]:
        closes = utcnow() + timedelta(days=3)
        body = {"title": "Laptops for 2027", "product_id": self.product_id,
                "agreement_number": self.agreement.number, "lot_code": "L1",
                "closes_at": closes.isoformat(),
                "deliver_by": (closes.date() + timedelta(days=30)).isoformat()}
        body.update(overrides)
        return body

    def create(self, client: FlaskClient, user: User | None = None, **overrides: Any
               ) -> dict[str, Any]:
        response = client.post("/api/v1/joint-purchases", json=self.body(**overrides),
                               headers=self.headers(user or self.center))
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def commit(self, client: FlaskClient, campaign_id: int, buyer: User, quantity: int,
               key: str | None = None, **extra: Any) -> Any:
        headers = self.headers(buyer, **({"Idempotency-Key": key} if key else {}))
        return client.post(f"/api/v1/joint-purchases/{campaign_id}/commitments",
                           json={"quantity": quantity, **extra}, headers=headers)

    def earlier_spend(self, org: Organization, buyer: User, amount: str) -> Requisition:
        """An ordered requisition in the same category, counted toward cumulative totals."""
        offer = self.offers[0]
        now = utcnow()
        requisition = Requisition(
            purchaser_organization_id=org.id, requester_id=buyer.id, status="ordered",
            route="direct", jurisdiction="cn-central", total=Decimal(amount), currency="CNY",
            price_hold_until=now + timedelta(days=7), created_at=now, decided_at=now,
            lines=[RequisitionLine(
                purchaser_organization_id=org.id, category_id=offer.category_id,
                offer_id=offer.id, supplier_id=offer.supplier_id,
                agreement_id=offer.agreement_id, lot_id=offer.lot_id, title=offer.title,
                sku=offer.sku, quantity=1, unit_price=Decimal(amount), currency="CNY",
                line_total=Decimal(amount), created_at=now)])
        self.session.add(requisition)
        self.session.flush()
        return requisition


def build_joint_world(session: Session, app: Flask) -> JointWorld:
    center = make_user(session, make_org(session, kind="center", region="*"),
                       roles=("center_admin",))
    regions = ("CN-BJ", "CN-SH", "CN-GD")
    purchasers = [make_org(session, kind="purchaser", region=r) for r in regions]
    approval_limits(purchasers[1], "2500.00", None, None)  # one approver above 2,500
    approval_limits(purchasers[2], None, "4000.00", 2)  # two approvers above 4,000
    buyers = [make_user(session, p, roles=("buyer",)) for p in purchasers]
    approvers = {p.id: [make_user(session, p, roles=("approver",)) for _ in range(2)]
                 for p in purchasers}
    suppliers = [make_org(session, kind="supplier", size=s, region="CN-BJ")
                 for s in ("large", "small", "micro")]
    supplier_users = [make_user(session, s, roles=("supplier_admin",)) for s in suppliers]
    category = make_category(session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(session, category=category, suppliers=suppliers,
                               ceiling="150.00", ends_on=date.today() + timedelta(days=365))
    offers = [make_offer(session, agreement, s, price=Decimal(p), stock=1000,
                         brand="Lenovo", model="ThinkPad X1")
              for s, p in zip(suppliers, ("100.00", "98.00", "99.00"), strict=True)]
    session.flush()
    return JointWorld(session, app, center, purchasers, buyers, approvers, suppliers,
                      supplier_users, agreement, offers)


@pytest.fixture
def jw(db_session: Session, app: Flask) -> JointWorld:
    return build_joint_world(db_session, app)
