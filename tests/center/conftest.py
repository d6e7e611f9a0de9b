"""The center console's fixtures: a center admin, a center auditor, an agreement with a supplier."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.catalog.models import Agreement, Category
from tests.factories.accounts import (
    PASSWORD,
    buyer,
    center_admin,
    make_user,
    supplier_admin,
)
from tests.factories.catalog import LAPTOP_TEMPLATE, make_agreement, make_category


@dataclass
class Center:
    admin: User
    auditor: User
    supplier: User
    buyer: User
    category: Category
    agreement: Agreement


@pytest.fixture
def center(db_session: Session) -> Center:
    admin = center_admin(db_session)
    auditor = make_user(db_session, admin.organization, roles=("auditor",))
    supplier = supplier_admin(db_session)
    category = make_category(db_session, attributes=LAPTOP_TEMPLATE)
    agreement = make_agreement(db_session, category=category,
                               suppliers=[supplier.organization], ceiling="10000.00")
    return Center(admin, auditor, supplier, buyer(db_session), category, agreement)


def log_in(client: FlaskClient, user: User) -> None:
    """Sign in, reading the pages in English (flash messages are translated when posted)."""
    client.get("/login?lang=en")  # remembered in the language cookie
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def flashed(client: FlaskClient, path: str) -> str:
    """The page at ``path`` (where the last redirect went), with its flash messages."""
    return client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
