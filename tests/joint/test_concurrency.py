"""Twenty commitments racing the close: each is counted by the close or refused, never lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mall.accounts.models import User
from mall.db import db, utcnow
from mall.errors import ApiError
from mall.joint.models import JointCommitment, JointPurchase
from mall.joint.services import campaigns, closing, commitments
from mall.orders.services.facts import Settings
from tests.concurrency import run_together
from tests.factories.accounts import make_org, make_user
from tests.joint.conftest import build_joint_world


@pytest.mark.postgres_only
def test_twenty_commitments_racing_the_close(app: Flask, committed_db: Engine) -> None:
    session = db.session()
    jw = build_joint_world(session, app)
    buyers = [make_user(session, make_org(session, kind="purchaser", region="CN-BJ"),
                        roles=("buyer",)) for _ in range(20)]
    closes = utcnow() + timedelta(days=1)
    campaign = campaigns.create_campaign(session, jw.center, {
        "title": "Race", "product_id": jw.product_id, "agreement_number": jw.agreement.number,
        "lot_code": "L1", "closes_at": closes, "deliver_by": closes.date() + timedelta(days=9)})
    session.commit()
    ids = [b.id for b in buyers]
    center_id, campaign_id = jw.center.id, campaign.id
    settings = Settings(jurisdiction="cn-central")
    db.session.remove()

    def commit(user_id: int) -> Callable[[Session], str]:
        def job(own: Session) -> str:
            user = own.get_one(User, user_id)
            try:
                commitments.commit(own, settings, user, campaign_id, 5, None)
                own.commit()
                return "in"
            except ApiError as exc:
                own.rollback()
                return exc.code
        return job

    def close(own: Session) -> None:
        closing.close_by(own, settings, own.get_one(User, center_id), campaign_id)
        own.commit()

    # 21 jobs on a pool of 20 connections: run_together waits before taking one.
    *committed, _closed = run_together(app, [*(commit(i) for i in ids), close])
    outcomes = dict(zip(ids, committed, strict=True))

    with app.app_context():
        own = db.session()
        closed = own.get_one(JointPurchase, campaign_id)
        rows = own.scalars(select(JointCommitment).where(
            JointCommitment.joint_purchase_id == campaign_id)).all()
        accepted = {u for u, outcome in outcomes.items() if outcome == "in"}
        refused = {u: o for u, o in outcomes.items() if o != "in"}
        assert len(outcomes) == 20
        assert set(refused.values()) <= {"joint_purchase_closed"}
        assert {r.committed_by_id for r in rows} == accepted
        # every accepted commitment was in before the close and counted by it
        assert closed.total_quantity == 5 * len(accepted)
        assert closed.status in ("competing", "failed")


@pytest.mark.postgres_only
def test_the_worker_task_closes_a_campaign_past_closes_at(app: Flask,
                                                         committed_db: Engine) -> None:
    from mall.jobs.worker import Worker, _close_joint_purchases

    session = db.session()
    jw = build_joint_world(session, app)
    closes = utcnow() + timedelta(hours=1)
    campaign = campaigns.create_campaign(session, jw.center, {
        "title": "Due", "product_id": jw.product_id, "agreement_number": jw.agreement.number,
        "lot_code": "L1", "closes_at": closes, "deliver_by": closes.date() + timedelta(days=9),
        "min_quantity": 10})
    settings = Settings(jurisdiction="cn-central")
    commitments.commit(session, settings, jw.buyers[0], campaign.id, 20, None)
    session.commit()
    campaign_id = campaign.id
    worker = Worker(app)
    assert "close-joint-purchases" in {t.name for t in worker.schedule()}
    assert _close_joint_purchases(worker, session) == "closed 0 joint purchases"
    campaign = session.get_one(JointPurchase, campaign_id)
    campaign.closes_at = utcnow() - timedelta(seconds=1)  # the closing time has come
    session.commit()
    assert _close_joint_purchases(worker, session) == "closed 1 joint purchases"
    db.session.remove()
    with app.app_context():
        closed = db.session().get_one(JointPurchase, campaign_id)
        assert (closed.status, closed.total_quantity) == ("competing", 20)
        assert closed.competition_id is not None
