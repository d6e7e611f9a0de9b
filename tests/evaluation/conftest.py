"""A best-value competition and an expert pool to draw its panel from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User
from mall.orders.models import Competition
from tests.factories.accounts import center_admin
from tests.factories.evaluation import make_expert
from tests.orders.conftest import World, build_world

PLAN: dict[str, Any] = {
    "method": "best_value", "price_weight": "0.6", "panel_size": 3,
    "criteria": [
        {"key": "quality", "name_zh": "质量", "name_en": "Quality", "weight": "0.3",
         "max_score": 10},
        {"key": "service", "name_zh": "售后服务", "name_en": "After-sales service",
         "weight": "0.1", "max_score": 10},
    ],
}


@dataclass
class Pool:
    world: World
    admin: User
    experts: list[User]

    def add_expert(self, region: str, affiliations: tuple[Organization, ...] = (),
                   specialty: str | None = None) -> User:
        user = make_expert(self.world.session, region,
                           [specialty or self.world.category.code], affiliations)
        self.experts.append(user)
        return user


def best_value_competition(client: FlaskClient, world: World,
                           plan: dict[str, Any] | None = None) -> Competition:
    response = client.post("/api/v1/requisitions", json={
        "lines": [{"offer_id": world.offers[0].id, "quantity": 300_000}],
        "requirement_text": "便携式投影仪，亮度不低于 3000 流明",
        "evaluation": plan or PLAN}, headers=world.headers(world.buyer))
    assert response.status_code == 201, response.json
    assert response.json["route"] == "competition"
    found = world.session.scalar(select(Competition).where(
        Competition.requisition_id == response.json["id"]))
    assert found is not None and found.method == "best_value"
    return found


@pytest.fixture
def pool(db_session: Session, app: Flask) -> Pool:
    world = build_world(db_session, app, sizes=("large", "small", "micro"))
    return Pool(world, center_admin(db_session), [])


def quote(client: FlaskClient, world: World, user: User, competition: Competition,
          price: str, answers: dict[str, str] | None = None) -> Any:
    """A best-value quote: the unit price and an answer to every criterion."""
    line_id = competition.requisition.lines[0].id
    technical = answers or {c["key"]: f"{c['name_en']}: our answer from {user.email}"
                            for c in (competition.evaluation_plan or {})["criteria"]}
    response = client.post(f"/api/v1/competitions/{competition.id}/quotes", json={
        "lines": [{"line_id": line_id, "unit_price": price}], "technical": technical},
        headers=world.headers(user))
    assert response.status_code == 201, response.json
    return response.json
