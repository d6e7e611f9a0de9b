"""The other areas' worlds: orders (a purchaser, approvers, three suppliers), joint purchases
and the catalog (a supplier whose price rises the center reviews)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.catalog.conftest import Catalog
from tests.catalog.conftest import catalog as catalog_world
from tests.joint.conftest import JointWorld, build_joint_world
from tests.orders.conftest import World, build_world


@pytest.fixture
def world(db_session: Session, app: Flask) -> World:
    return build_world(db_session, app)


@pytest.fixture
def jw(db_session: Session, app: Flask) -> JointWorld:
    return build_joint_world(db_session, app)


@pytest.fixture
def catalog(app: Flask, db_session: Session) -> Catalog:
    return catalog_world.__wrapped__(app, db_session)  # type: ignore[attr-defined]
