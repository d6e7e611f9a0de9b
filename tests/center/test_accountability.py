"""Accountability figures on a seeded history with known answers; the API, page and flags."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.config import ConfigError, parse_thresholds
from mall.db import utcnow
from mall.orders.models import Flag
from mall.orders.services import accountability, approvals, requisitions
from tests.center.conftest import Center, flashed, log_in
from tests.factories.accounts import approval_limits, auth_headers
from tests.orders.conftest import World, build_world


def _history(session: Session, app: Flask) -> tuple[World, list[int]]:
    """Three requisitions: one just under the direct limit, one small, one caught splitting
    (then cancelled); two approvals, both by the same approver."""
    world = build_world(session, app)
    approval_limits(world.purchaser, "1000", None, None)
    near = world.requisition((world.offers[0], 190_000))
    approvals.approve(session, world.approvers[0], near.id)
    small = world.requisition((world.offers[1], 5_000))
    approvals.approve(session, world.approvers[0], small.id)
    split = world.requisition((world.offers[0], 60_000))
    assert (near.status, small.status, split.route) == ("ordered", "ordered", "competition")
    requisitions.cancel_requisition(session, world.buyer, split.id, "split")
    return world, [near.id, small.id, split.id]


def test_figures_match_the_known_answers(db_session: Session, app: Flask) -> None:
    world, (near, small, split) = _history(db_session, app)
    report = accountability.accountability(db_session, utcnow().year)
    item = next(i for i in report["items"] if i["purchaser"]["id"] == world.purchaser.id)
    assert {k: item[k] for k in ("requisitions", "near_threshold_share", "split_catches",
                                 "top_supplier_share", "single_approver_share",
                                 "rejected_share", "cancelled_share")} == {
        "requisitions": 3, "near_threshold_share": "0.3333", "split_catches": 1,
        "top_supplier_share": "0.9744", "single_approver_share": "1.0000",
        "rejected_share": "0.0000", "cancelled_share": "0.3333"}
    ids = item["requisition_ids"]
    assert (ids["near_threshold"], ids["split_catches"], ids["single_approver"]) == (
        [near], [split], [near, small])
    assert item["top_supplier_id"] == world.suppliers[0].id
    past = accountability.past_thresholds(item, parse_thresholds("min_requisitions=3"))
    assert past == ["near_threshold_share", "top_supplier_share", "single_approver_share"]
    assert accountability.past_thresholds(item, parse_thresholds("")) == []  # only 3 < 5


def test_the_api_reports_per_purchaser_and_refuses_others(
        client: FlaskClient, db_session: Session, app: Flask, center: Center) -> None:
    world, _ = _history(db_session, app)
    year = utcnow().year
    body = client.get(f"/api/v1/reports/accountability?year={year}",
                      headers=auth_headers(app, db_session, center.auditor))
    assert body.status_code == 200
    item = next(i for i in body.json["items"] if i["purchaser"]["id"] == world.purchaser.id)
    assert (item["requisitions"], item["split_catches"], item["near_threshold_share"]) == (
        3, 1, "0.3333")
    assert client.get("/api/v1/reports/accountability?year=abc", headers=auth_headers(
        app, db_session, center.admin)).status_code == 400
    for user in (center.supplier, world.buyer):
        assert client.get("/api/v1/reports/accountability", headers=auth_headers(
            app, db_session, user)).status_code == 403


def test_the_dashboard_drills_down_and_raises_one_flag_per_purchaser(
        client: FlaskClient, db_session: Session, app: Flask, center: Center,
        monkeypatch: pytest.MonkeyPatch) -> None:
    world, (near, _small, split) = _history(db_session, app)
    monkeypatch.setitem(app.config, "MALL", app.config["MALL"].replace(
        accountability_thresholds="min_requisitions=3,split_catches=1"))
    log_in(client, center.auditor)
    page = flashed(client, "/center/accountability?sort=split_catches")
    assert f'data-purchaser="{world.purchaser.id}" class="past"' in page
    assert 'data-action="raise-flags"' not in page
    drill = flashed(client, f"/center/accountability?purchaser={world.purchaser.id}"
                            "&figure=split_catches")
    assert f'data-requisition="{split}"' in drill and f'data-requisition="{near}"' not in drill
    assert client.post("/center/accountability/flags").status_code == 403
    client.post("/logout")

    log_in(client, center.admin)
    for _ in range(2):  # the second run finds the flag already raised
        assert client.post("/center/accountability/flags").status_code == 302
    flags = db_session.scalars(select(Flag).where(Flag.kind == "accountability")).all()
    assert [f.purchaser_organization_id for f in flags] == [world.purchaser.id]
    assert set(flags[0].details["past"]) == {"near_threshold_share", "split_catches",
                                             "top_supplier_share", "single_approver_share"}
    assert f'data-flag-id="{flags[0].id}" data-kind="accountability"' in flashed(
        client, "/center/flags")
    for user in (center.supplier, center.buyer):
        client.post("/logout")
        log_in(client, user)
        assert client.get("/center/accountability").status_code == 403


def test_thresholds_are_checked_when_read() -> None:
    assert parse_thresholds("split_catches=4")["split_catches"] == Decimal("4")
    for bad in ("nope=1", "split_catches=-1", "split_catches=x"):
        with pytest.raises((ValueError, ArithmeticError)):
            parse_thresholds(bad)
    from mall.config import Config

    with pytest.raises(ConfigError):
        Config.from_env({"MALL_ACCOUNTABILITY_THRESHOLDS": "bogus=1",
                         "MALL_SECRET_KEY": "k"})


def test_the_worker_raises_accountability_flags_on_its_schedule(
        db_session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from mall.jobs.worker import Worker, _accountability_flags

    world, _ = _history(db_session, app)
    monkeypatch.setitem(app.config, "MALL", app.config["MALL"].replace(
        accountability_thresholds="min_requisitions=3"))
    worker = Worker(app)
    assert "accountability-flags" in {task.name for task in worker.schedule()}
    assert _accountability_flags(worker, db_session) == "raised 1 accountability flags"
    assert _accountability_flags(worker, db_session) == "raised 0 accountability flags"
    flag = db_session.scalar(select(Flag).where(Flag.kind == "accountability"))
    assert flag is not None and flag.purchaser_organization_id == world.purchaser.id
