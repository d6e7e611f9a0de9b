"""The orders area's world (a purchaser, approvers, three suppliers) for the to-do lists."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.orders.conftest import World, build_world


@pytest.fixture
def world(db_session: Session, app: Flask) -> World:
    return build_world(db_session, app)
