"""The panel draw: never a conflicted expert, reproducible from its seed, across regions."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.audit.models import AuditEvent
from mall.evaluation.models import PanelDraw
from mall.evaluation.services.panels import Candidate, draw_panel, redraw
from tests.evaluation.conftest import Pool, best_value_competition, quote
from tests.factories.accounts import center_admin
from tests.factories.catalog import make_category
from tests.orders.conftest import build_world
from tests.orders.test_competitions import _close

pools = st.lists(st.tuples(st.integers(1, 10_000), st.sampled_from(["CN-BJ", "CN-SH", "CN-GD"])),
                 min_size=1, max_size=30, unique_by=lambda t: t[0])


@given(pool=pools, size=st.integers(1, 30), seed=st.text(min_size=1, max_size=32))
@settings(max_examples=300, deadline=None)
def test_draw_is_reproducible_distinct_and_spreads_regions(pool: list[tuple[int, str]],
                                                            size: int, seed: str) -> None:
    candidates = [Candidate(i, r) for i, r in pool]
    size = min(size, len(candidates))
    panel = draw_panel(candidates, size, seed)
    assert len(panel) == size == len({c.expert_id for c in panel})
    assert set(panel) <= set(candidates)
    # the same pool (in any order) and seed give the same panel
    assert draw_panel(list(reversed(candidates)), size, seed) == panel
    if size >= 2 and len({r for _, r in pool}) >= 2:
        assert len({c.region for c in panel}) >= 2


def test_different_seeds_draw_different_panels() -> None:
    candidates = [Candidate(i, "CN-BJ" if i % 2 else "CN-SH") for i in range(1, 41)]
    panels = {tuple(c.expert_id for c in draw_panel(candidates, 3, f"seed-{n}"))
              for n in range(20)}
    assert len(panels) > 10


@given(conflicted=st.sets(st.integers(0, 11), max_size=8))
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_drawn_panel_never_holds_a_conflicted_expert(
        client: FlaskClient, db_session: Session, app: Flask, conflicted: set[int]) -> None:
    """A random pool of 12 experts, some affiliated with the purchaser or a quoting
    supplier (or declaring a conflict): whatever is drawn, none of those sit on it.

    Each example is a world of its own (its own category, so its own pool)."""
    world = build_world(db_session, app, sizes=("large", "small", "micro"))
    pool = Pool(world, center_admin(db_session), [])
    if True:
        parties = [world.purchaser, world.suppliers[0], world.suppliers[1]]
        experts = []
        for n in range(12):
            affiliations = (parties[n % 3],) if n in conflicted and n % 2 == 0 else ()
            expert = pool.add_expert(("CN-BJ", "CN-SH", "CN-GD")[n % 3], affiliations)
            if n in conflicted and n % 2 == 1:
                from mall.evaluation.services.experts import declare_conflict
                declare_conflict(world.session, expert, parties[n % 3].id, "former employer")
            experts.append(expert)
        competition = best_value_competition(client, world)
        quote(client, world, world.supplier_user(0), competition, "0.95")
        quote(client, world, world.supplier_user(1), competition, "0.97")
        _close(world, competition)
        response = client.post(f"/api/v1/competitions/{competition.id}/panel",
                               headers=world.headers(world.buyer))
        bad = {experts[n].id for n in conflicted}
        eligible = 12 - len(bad)
        if eligible < 3:
            assert response.status_code == 422, response.json
            assert response.json["error"]["details"]["shortfall"] == 3 - eligible
        else:
            assert response.status_code == 201, response.json
            drawn = {e["id"] for e in response.json["experts"]}
            assert len(drawn) == 3 and not drawn & bad
            assert len({e["region"] for e in response.json["experts"]}) >= 2
            excluded = {x["expert_id"] for x in response.json["exclusions"]}
            assert excluded == bad


def test_draw_is_audited_and_rerun_from_its_seed(client: FlaskClient, pool: Pool) -> None:
    world = pool.world
    for region in ("CN-BJ", "CN-BJ", "CN-SH", "CN-GD", "CN-SH"):
        pool.add_expert(region)
    conflicted = pool.add_expert("CN-GD", affiliations=(world.suppliers[0],))
    competition = best_value_competition(client, world)
    url = f"/api/v1/competitions/{competition.id}/panel"
    early = client.post(url, headers=world.headers(world.buyer))
    assert early.status_code == 409 and early.json["error"]["code"] == "deadline_not_passed"
    quote(client, world, world.supplier_user(0), competition, "0.95")
    _close(world, competition)
    response = client.post(url, headers=world.headers(world.buyer))
    assert response.status_code == 201, response.json
    body = response.json
    assert len(body["seed"]) == 32 and body["pool_size"] == 5
    assert body["exclusions"] == [{"expert_id": conflicted.id,
                                   "organization_id": world.suppliers[0].id,
                                   "kind": "affiliation", "party": "quoting supplier",
                                   "reason": "affiliation registered by the center"}]
    stored = world.session.get_one(PanelDraw, competition.id)
    assert redraw(stored) == [e["id"] for e in body["experts"]]
    [event] = world.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "panel.draw", AuditEvent.target_id == str(competition.id)))
    assert event.after["seed"] == body["seed"]
    assert event.after["panel"] == [e["id"] for e in body["experts"]]
    again = client.post(url, headers=world.headers(world.buyer))
    assert again.status_code == 409 and again.json["error"]["code"] == "panel_drawn"


def test_too_small_a_pool_names_the_shortfall(client: FlaskClient, pool: Pool) -> None:
    world = pool.world
    pool.add_expert("CN-BJ")
    pool.add_expert("CN-SH", specialty=make_category(world.session).code)  # not in the pool
    competition = best_value_competition(client, world)
    quote(client, world, world.supplier_user(0), competition, "0.95")
    _close(world, competition)
    response = client.post(f"/api/v1/competitions/{competition.id}/panel",
                           headers=world.headers(world.buyer))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "panel_pool_too_small"
    assert (error["details"]["needed"], error["details"]["eligible"],
            error["details"]["shortfall"]) == (3, 1, 2)
    assert "2 short" in error["message"]
    assert world.session.get(PanelDraw, competition.id) is None
