"""Joint purchases in the open data: one call-off per campaign, several buyers, each
participant's order once, and nothing about who committed how much before the award."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mall.db import utcnow
from mall.ocds.services.builders import party_id
from mall.orders.models import Competition, Requisition
from tests.joint.conftest import JointWorld, build_joint_world
from tests.ocds.conftest import all_releases
from tests.ocds.validation import errors, record_errors

PREFIX = "ocds-mall01"
QUANTITIES = (20, 30, 50)


@pytest.fixture
def jw(db_session: Session, app: Flask) -> JointWorld:
    return build_joint_world(db_session, app)


def _package(releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"uri": "https://mall.example/api/v1/ocds/releases", "version": "1.1",
            "publishedDate": "2026-12-01T00:00:00Z", "publisher": {"name": "Test"},
            "releases": releases}


def _process(client: FlaskClient, ocid: str) -> list[dict[str, Any]]:
    return [r for r in all_releases(client) if r["ocid"] == ocid]


def _open(client: FlaskClient, jw: JointWorld) -> int:
    """A campaign led by purchaser 0, every purchaser committed."""
    cid = int(jw.create(client, jw.buyers[0])["id"])
    for buyer, quantity in zip(jw.buyers, QUANTITIES, strict=True):
        assert jw.commit(client, cid, buyer, quantity).status_code == 200
    return cid


def _close(client: FlaskClient, jw: JointWorld, cid: int) -> int:
    closed = client.post(f"/api/v1/joint-purchases/{cid}/close",
                         headers=jw.headers(jw.buyers[0]))
    assert closed.status_code == 200 and closed.get_json()["status"] == "competing"
    return int(closed.get_json()["competition_id"])


def _quote_all(client: FlaskClient, jw: JointWorld, competition_id: int) -> None:
    line_id = client.get(f"/api/v1/competitions/{competition_id}",
                         headers=jw.headers(jw.buyers[0])).get_json()["lines"][0]["id"]
    for index, price in ((0, "90.00"), (1, "92.00"), (2, "95.00")):
        quoted = client.post(f"/api/v1/competitions/{competition_id}/quotes",
                             json={"lines": [{"line_id": line_id, "unit_price": price}]},
                             headers=jw.headers(jw.supplier_users[index]))
        assert quoted.status_code == 201, quoted.get_json()


def _awarded(client: FlaskClient, jw: JointWorld, db_session: Session) -> int:
    """Created, committed, closed, quoted, awarded (the small supplier at 92.00); purchaser 0
    is ordered at once, 1 and 2 wait for their approvers; purchaser 1's approver approves."""
    cid = _open(client, jw)
    competition_id = _close(client, jw, cid)
    _quote_all(client, jw, competition_id)
    db_session.get_one(Competition, competition_id).deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    awarded = client.post(f"/api/v1/joint-purchases/{cid}/award",
                          headers=jw.headers(jw.buyers[0]))
    assert awarded.status_code == 200, awarded.get_json()
    second = db_session.scalars(select(Requisition).where(
        Requisition.joint_purchase_id == cid,
        Requisition.purchaser_organization_id == jw.purchasers[1].id)).one()
    approved = client.post(f"/api/v1/requisitions/{second.id}/approve",
                           headers=jw.headers(jw.approvers[jw.purchasers[1].id][0]))
    assert approved.status_code == 200 and approved.get_json()["status"] == "ordered"
    return cid


def test_an_awarded_joint_purchase_is_one_valid_call_off_with_several_buyers(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    cid = _awarded(client, jw, db_session)
    ocid = f"{PREFIX}-joint-{cid}"
    releases = _process(client, ocid)
    assert errors(_package(all_releases(client))) == {}
    record = client.get(f"/api/v1/ocds/records/{ocid}")
    assert record.status_code == 200 and record_errors(record.json) == {}
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate", "award"],
                                            ["contract"], ["contract"]]
    tender, award, *contracts = releases
    assert tender["tender"]["items"][0]["quantity"] == sum(QUANTITIES)
    assert tender["tender"]["lots"][0]["id"] == "L1"
    assert tender["tender"]["items"][0]["relatedLot"] == "L1"
    assert tender["relatedProcesses"] == [{
        "id": "1", "relationship": ["framework"], "title": jw.agreement.title,
        "scheme": "ocid", "identifier": f"{PREFIX}-agreement-{jw.agreement.id}"}]
    winner = party_id(jw.suppliers[1])
    assert award["awards"][0]["suppliers"][0]["id"] == winner
    assert award["awards"][0]["items"][0]["unit"]["value"] == {"amount": 92.0,
                                                              "currency": "CNY"}
    assert award["tender"]["procuringEntity"]["id"] == party_id(jw.purchasers[0])
    assert award["tender"]["numberOfTenderers"] == 3
    # purchasers 0 and 1 have their orders (2 still waits for two approvers): two buyers,
    # each contract released with its own buyer
    buyers = [[p["id"] for p in r["parties"] if "buyer" in p["roles"]] for r in contracts]
    assert buyers == [[party_id(jw.purchasers[0])], [party_id(jw.purchasers[1])]]
    assert [c["contracts"][0]["value"]["amount"] for c in contracts] == [1840.0, 2760.0]
    assert all(c["contracts"][0]["awardID"] == award["awards"][0]["id"] for c in contracts)
    compiled = record.json["records"][0]["compiledRelease"]
    roles = {p["id"]: p["roles"] for p in compiled["parties"]}
    assert roles[party_id(jw.purchasers[0])] == ["buyer", "procuringEntity"]
    assert roles[party_id(jw.purchasers[1])] == ["buyer"]
    assert roles[winner] == ["supplier", "tenderer"]
    assert len(compiled["contracts"]) == 2


def test_participants_requisitions_and_the_joint_competition_are_not_published_twice(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    cid = _awarded(client, jw, db_session)
    releases = all_releases(client)
    requisitions = db_session.scalars(select(Requisition.id).where(
        Requisition.joint_purchase_id == cid)).all()
    assert len(requisitions) == 3
    ocids = {r["ocid"] for r in releases}
    assert not ocids & {f"{PREFIX}-order-{r}" for r in requisitions}
    competition_id = db_session.scalar(select(Competition.id).where(
        Competition.subject == "joint_purchase"))
    assert f"{PREFIX}-competition-{competition_id}" not in ocids
    assert client.get(f"/api/v1/ocds/records/{PREFIX}-order-{requisitions[0]}"
                      ).status_code == 404
    contract_ids = [c["id"] for r in releases if "contract" in r["tag"]
                    for c in r["contracts"]]
    assert len(contract_ids) == len(set(contract_ids)) == 2
    assert ocids == {f"{PREFIX}-agreement-{jw.agreement.id}", f"{PREFIX}-joint-{cid}"}


def _leaks(text: str, jw: JointWorld) -> list[str]:
    """Participants' identities or own quantities anywhere in the open data."""
    found = [p.name for p in jw.purchasers if p.name in text]
    found += [party_id(p) for p in jw.purchasers if f'"{party_id(p)}"' in text]
    found += [f"quantity {q}" for q in QUANTITIES if f'"quantity": {q}' in text]
    return found


def test_open_and_competing_campaigns_leak_no_participants(
        client: FlaskClient, jw: JointWorld, db_session: Session) -> None:
    cid = _open(client, jw)
    open_releases = all_releases(client)
    assert {r["ocid"] for r in open_releases} == {f"{PREFIX}-agreement-{jw.agreement.id}"}
    assert client.get(f"/api/v1/ocds/records/{PREFIX}-joint-{cid}").status_code == 404
    competition_id = _close(client, jw, cid)
    _quote_all(client, jw, competition_id)
    releases = all_releases(client)
    joint = [r for r in releases if r["ocid"] == f"{PREFIX}-joint-{cid}"]
    assert [r["tag"] for r in joint] == [["tender"]]
    text = json.dumps(releases, ensure_ascii=False)
    assert _leaks(text, jw) == []
    assert "90.0" not in text and "92.0" not in text  # the quotes stay sealed
    assert "parties" not in joint[0]  # a purchaser leads: named with the award only
    assert joint[0]["tender"]["items"][0]["quantity"] == sum(QUANTITIES)
    assert errors(_package(releases)) == {}
    # the leak check can fail: after the award the buyers are named
    db_session.get_one(Competition, competition_id).deadline = utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert client.post(f"/api/v1/joint-purchases/{cid}/award",
                       headers=jw.headers(jw.buyers[0])).status_code == 200
    assert party_id(jw.purchasers[0]) in _leaks(json.dumps(all_releases(client)), jw)


def test_a_cancelled_joint_purchase_is_a_cancelled_tender(
        client: FlaskClient, jw: JointWorld) -> None:
    cid = _open(client, jw)
    competition_id = _close(client, jw, cid)
    _quote_all(client, jw, competition_id)
    cancelled = client.post(f"/api/v1/competitions/{competition_id}/cancel",
                            json={"reason": "Requirement changed"},
                            headers=jw.headers(jw.buyers[0]))
    assert cancelled.status_code == 200, cancelled.get_json()
    releases = _process(client, f"{PREFIX}-joint-{cid}")
    assert [r["tag"] for r in releases] == [["tender"], ["tenderCancellation"]]
    assert releases[1]["tender"]["status"] == "cancelled"
    assert _leaks(json.dumps(releases, ensure_ascii=False), jw) == []
    assert "tenderers" not in json.dumps(releases)
    assert errors(_package(all_releases(client))) == {}


def test_a_failed_campaign_is_not_published(client: FlaskClient, jw: JointWorld) -> None:
    cid = int(jw.create(client, jw.center, min_quantity=500)["id"])
    assert jw.commit(client, cid, jw.buyers[0], 5).status_code == 200
    closed = client.post(f"/api/v1/joint-purchases/{cid}/close",
                         headers=jw.headers(jw.center))
    assert closed.get_json()["status"] == "failed"
    assert not [r for r in all_releases(client) if r["ocid"] == f"{PREFIX}-joint-{cid}"]


def test_a_center_led_tender_names_the_center(client: FlaskClient, jw: JointWorld) -> None:
    cid = int(jw.create(client, jw.center)["id"])
    assert jw.commit(client, cid, jw.buyers[2], 7).status_code == 200
    closed = client.post(f"/api/v1/joint-purchases/{cid}/close",
                         headers=jw.headers(jw.center))
    assert closed.get_json()["status"] == "competing"
    tender = _process(client, f"{PREFIX}-joint-{cid}")[0]
    center = party_id(jw.center.organization)
    assert tender["tender"]["procuringEntity"]["id"] == center
    assert [(p["id"], p["roles"]) for p in tender["parties"]] == [(center, ["procuringEntity"])]


def test_export_equals_the_api_with_joint_purchases(
        app: Flask, client: FlaskClient, jw: JointWorld, db_session: Session,
        tmp_path: Path) -> None:
    _awarded(client, jw, db_session)
    out = tmp_path / "releases.json"
    result = app.test_cli_runner().invoke(args=["ocds", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads(out.read_text())
    assert package["releases"] == all_releases(client)
    assert any(r["ocid"].startswith(f"{PREFIX}-joint-") for r in package["releases"])
    assert errors(package) == {}
