"""Joint purchases, step 2: commitments with the purchaser's own rules as a preview."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mall.joint.models import JointCommitment
from tests.joint.conftest import JointWorld


def _commitments(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(JointCommitment)) or 0


def test_each_purchaser_sees_what_its_own_rules_will_do(client: FlaskClient,
                                                        jw: JointWorld) -> None:
    campaign = jw.create(client)
    answers = [jw.commit(client, campaign["id"], buyer, qty)
               for buyer, qty in zip(jw.buyers, (20, 30, 50), strict=True)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    previews = [a.get_json()["my_commitment"]["preview"] for a in answers]
    # 20, 30 and 50 at the lowest listed 98.00: 1,960 / 2,940 / 4,900
    assert [p["unit_price"] for p in previews] == ["98.00"] * 3
    assert [(p["route"], p["required_approvals"]) for p in previews] == [
        ("direct", 0), ("approval", 1), ("approval", 2)]
    assert previews[2]["outcome"] == "approval by 2 approvers"
    last = answers[2].get_json()
    assert (last["total_quantity"], last["participants"]) == (100, 3)


def test_a_commitment_is_idempotent_changeable_and_withdrawable(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    campaign = jw.create(client)
    cid, buyer = campaign["id"], jw.buyers[0]
    first = jw.commit(client, cid, buyer, 20, key="k-1", delivery_region="CN-BJ")
    replay = jw.commit(client, cid, buyer, 20, key="k-1", delivery_region="CN-BJ")
    assert first.status_code == replay.status_code == 200
    assert first.get_json() == replay.get_json()
    assert _commitments(db_session) == 1
    other_body = jw.commit(client, cid, buyer, 25, key="k-1", delivery_region="CN-BJ")
    assert other_body.status_code == 409
    changed = jw.commit(client, cid, buyer, 40, key="k-2")
    assert changed.get_json()["my_commitment"]["quantity"] == 40
    assert _commitments(db_session) == 1
    gone = client.delete(f"/api/v1/joint-purchases/{cid}/commitments",
                         headers=jw.headers(buyer))
    assert gone.status_code == 200
    assert gone.get_json()["my_commitment"] is None and _commitments(db_session) == 0
    again = client.delete(f"/api/v1/joint-purchases/{cid}/commitments",
                          headers=jw.headers(buyer))
    assert again.status_code == 404


def test_who_may_commit(client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    campaign = jw.create(client, scope={"regions": ["CN-BJ"]})
    cid = campaign["id"]
    assert jw.commit(client, cid, jw.supplier_users[0], 5).status_code == 403
    assert jw.commit(client, cid, jw.center, 5).status_code == 403
    approver = jw.approvers[jw.purchasers[0].id][0]
    assert jw.commit(client, cid, approver, 5).status_code == 403
    assert jw.commit(client, cid, jw.buyers[2], 5).status_code == 404  # CN-GD: out of scope
    assert jw.commit(client, 999_999, jw.buyers[0], 5).status_code == 404
    assert _commitments(db_session) == 0


def test_bad_commitments_change_nothing(client: FlaskClient, jw: JointWorld,
                                        db_session: Session) -> None:
    cid = jw.create(client)["id"]
    buyer = jw.buyers[0]
    for body, status in (({"quantity": 0}, 400), ({"quantity": "5"}, 400), ({}, 400),
                         ({"quantity": 5, "delivery_region": "nowhere"}, 400),
                         ({"quantity": 5, "delivery_region": "US-VA"}, 422)):
        response = client.post(f"/api/v1/joint-purchases/{cid}/commitments", json=body,
                               headers=jw.headers(buyer))
        assert response.status_code == status, (body, response.get_json())
    assert _commitments(db_session) == 0


def test_a_share_that_breaks_the_cumulative_limit_is_refused_naming_earlier_requisitions(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    org, buyer = jw.purchasers[0], jw.buyers[0]
    earlier = jw.earlier_spend(org, buyer, "999000.00")
    cid = jw.create(client)["id"]
    response = jw.commit(client, cid, buyer, 20)  # 1,960 more: past 1,000,000 this year
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "commitment_refused"
    tiers = [r for r in error["details"]["reasons"] if r["outcome"] == "blocked"]
    assert tiers, error
    named = {e["requisition_id"] for r in error["details"]["reasons"]
             for e in r["inputs"].get("counted", [])}
    assert earlier.id in named
    assert f"#{earlier.id}" in error["message"]
    assert _commitments(db_session) == 0


def test_purchasers_never_see_who_else_committed(client: FlaskClient, jw: JointWorld) -> None:
    cid = jw.create(client)["id"]
    for buyer, qty in zip(jw.buyers, (20, 30, 50), strict=True):
        assert jw.commit(client, cid, buyer, qty).status_code == 200
    seen = client.get(f"/api/v1/joint-purchases/{cid}",
                      headers=jw.headers(jw.buyers[0])).get_json()
    assert sorted(c["quantity"] for c in seen["commitments"]) == [20, 30, 50]
    others = [c for c in seen["commitments"] if c["quantity"] != 20]
    assert all("organization" not in c and "preview" not in c for c in others)
    assert str(jw.purchasers[1].id) not in str(others)
    center = client.get(f"/api/v1/joint-purchases/{cid}",
                        headers=jw.headers(jw.center)).get_json()
    assert sorted(c["organization"]["id"] for c in center["commitments"]) == sorted(
        p.id for p in jw.purchasers)
