"""The OCDS release and record packages: valid, linked, sealed where they must be, paged."""

from __future__ import annotations

import json
from datetime import datetime

from flask.testing import FlaskClient

from mall.ocds.services.builders import party_id
from tests.ocds.conftest import SEALED_PRICE, Market, all_releases
from tests.ocds.validation import errors, record_errors

PREFIX = "ocds-mall01"


def _package(releases: list[dict]) -> dict:
    return {"uri": "https://mall.example/api/v1/ocds/releases", "version": "1.1",
            "publishedDate": "2026-12-01T00:00:00Z", "publisher": {"name": "Test"},
            "releases": releases}


def _by_ocid(releases: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for release in releases:
        out.setdefault(release["ocid"], []).append(release)
    return out


def test_every_release_and_record_validates_with_zero_errors(client: FlaskClient,
                                                               market: Market) -> None:
    releases = all_releases(client)
    assert errors(_package(releases)) == {}
    page = client.get("/api/v1/ocds/releases").json
    assert errors(page) == {}
    for ocid in _by_ocid(releases):
        record = client.get(f"/api/v1/ocds/records/{ocid}")
        assert record.status_code == 200
        assert record_errors(record.json) == {}, ocid


def test_framework_is_one_process_with_lots_awards_and_scales(client: FlaskClient,
                                                               market: Market) -> None:
    world = market.world
    ocid = f"{PREFIX}-agreement-{world.agreement.id}"
    releases = _by_ocid(all_releases(client))[ocid]
    tender = next(r for r in releases if r["tag"] == ["tender"])
    assert tender["tender"]["techniques"] == {"hasFrameworkAgreement": True}
    assert [lot["id"] for lot in tender["tender"]["lots"]] == ["L1"]
    assert tender["tender"]["procuringEntity"]["id"] == party_id(market.center)
    center = next(p for p in tender["parties"] if p["id"] == party_id(market.center))
    assert center["roles"] == ["buyer", "procuringEntity"]
    award_releases = [r for r in releases if r["tag"] == ["award"]]
    assert len(award_releases) == len(world.suppliers)
    scales = {r["parties"][0]["id"]: r["parties"][0]["details"]["scale"]
              for r in award_releases}
    assert scales == {party_id(world.suppliers[0]): "large",
                      party_id(world.suppliers[1]): "sme", party_id(world.suppliers[2]): "sme"}
    assert len({r["id"] for r in releases}) == len(releases)


def test_call_offs_link_to_their_framework(client: FlaskClient, market: Market) -> None:
    world = market.world
    processes = _by_ocid(all_releases(client))
    framework = f"{PREFIX}-agreement-{world.agreement.id}"
    direct = processes[f"{PREFIX}-order-{market.direct.id}"]
    awarded = processes[f"{PREFIX}-competition-{market.awarded.id}"]
    for release in (direct[0], awarded[0]):
        assert release["relatedProcesses"] == [{
            "id": "1", "relationship": ["framework"], "title": world.agreement.title,
            "scheme": "ocid", "identifier": framework}]
    assert direct[0]["tag"] == ["tender", "award", "contract"]
    assert direct[0]["tender"]["procurementMethod"] == "direct"
    assert [r["tag"] for r in direct[1:]] == [["contractUpdate"]]  # the order was confirmed
    assert [r["tag"] for r in awarded] == [["tender"], ["tenderUpdate", "award", "contract"]]
    award = awarded[1]
    assert award["tender"]["tenderers"] == [
        {"id": party_id(world.suppliers[i]), "name": world.suppliers[i].name} for i in (1, 2)]
    winner = party_id(world.suppliers[1])
    assert award["awards"][0]["suppliers"][0]["id"] == winner
    assert award["awards"][0]["value"] == {"amount": 285000.0, "currency": "CNY"}
    roles = {p["id"]: p["roles"] for p in award["parties"]}
    assert roles[winner] == ["supplier", "tenderer"]
    assert award["contracts"][0]["awardID"] == award["awards"][0]["id"]
    cancelled = processes[f"{PREFIX}-competition-{market.cancelled.id}"]
    assert [r["tag"] for r in cancelled] == [["tender"], ["tenderCancellation"]]
    # Requisitions waiting for approval or withdrawn before any order were never published.
    assert f"{PREFIX}-order-{market.pending.id}" not in processes
    assert f"{PREFIX}-order-{market.withdrawn.id}" not in processes
    text = json.dumps(processes)
    assert "Not needed" not in text  # nor the withdrawn requisition's reason


def test_the_same_rows_give_the_same_releases(client: FlaskClient, market: Market) -> None:
    first, again = all_releases(client), all_releases(client)
    assert first == again  # ids and dates come from the rows, not from the clock
    assert len({r["id"] for r in first}) == len(first)


def test_sealed_quotes_and_quoters_of_an_open_competition_are_not_published(
        client: FlaskClient, market: Market) -> None:
    world = market.world
    sealed = f"{PREFIX}-competition-{market.sealed.id}"
    releases = _by_ocid(all_releases(client))[sealed]
    assert [r["tag"] for r in releases] == [["tender"]]
    text = json.dumps(releases)
    assert "tenderers" not in text and "awards" not in text
    assert party_id(world.suppliers[0]) not in text
    assert str(300_000 * float(SEALED_PRICE)) not in text and SEALED_PRICE not in text
    # nor through the record, nor who quoted in the cancelled competition
    record = json.dumps(client.get(f"/api/v1/ocds/records/{sealed}").json)
    assert party_id(world.suppliers[0]) not in record and "tenderers" not in record
    cancelled = client.get(
        f"/api/v1/ocds/records/{PREFIX}-competition-{market.cancelled.id}").json
    assert party_id(world.suppliers[1]) not in json.dumps(cancelled)


def test_since_keeps_the_releases_dated_from_then_on(client: FlaskClient,
                                                     market: Market) -> None:
    releases = all_releases(client)
    dates = sorted({datetime.fromisoformat(r["date"]) for r in releases})
    cut = dates[len(dates) // 2]
    later = all_releases(client, since=cut.isoformat())
    expected = [r for r in releases if datetime.fromisoformat(r["date"]) >= cut]
    assert sorted(r["id"] for r in later) == sorted(r["id"] for r in expected)
    assert 0 < len(later) < len(releases)
    naive = all_releases(client, since=cut.replace(tzinfo=None).isoformat())
    assert [r["id"] for r in naive] == [r["id"] for r in later]  # naive means UTC
    bad = client.get("/api/v1/ocds/releases?since=yesterday")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_since"


def test_pages_follow_links_next_and_never_split_a_process(client: FlaskClient,
                                                           market: Market) -> None:
    everything = all_releases(client)
    first = client.get("/api/v1/ocds/releases?per_page=2").json
    assert len(_by_ocid(first["releases"])) == 2
    assert "page=2" in first["links"]["next"] and "per_page=2" in first["links"]["next"]
    paged = all_releases(client, per_page=2)
    assert [r["id"] for r in paged] == [r["id"] for r in everything]
    ocids = [r["ocid"] for r in paged]
    assert len(ocids) == len(set(ocids)) or all(  # each process's releases stay together
        ocids.index(o) + ocids.count(o) - 1 == len(ocids) - 1 - ocids[::-1].index(o)
        for o in set(ocids))
    last = client.get("/api/v1/ocds/releases?per_page=100").json
    assert "links" not in last
    assert client.get("/api/v1/ocds/releases?page=0").status_code == 400


def test_record_compiles_the_process(client: FlaskClient, market: Market) -> None:
    ocid = f"{PREFIX}-competition-{market.awarded.id}"
    response = client.get(f"/api/v1/ocds/records/{ocid}")
    assert response.status_code == 200
    record = response.json["records"][0]
    assert record["ocid"] == ocid and len(record["releases"]) == 2
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "complete"  # the award's update wins
    assert compiled["tender"]["tenderPeriod"]  # kept from the tender release
    assert compiled["awards"][0]["status"] == "active"


def test_unknown_or_unpublished_ocids_are_404(client: FlaskClient, market: Market) -> None:
    for ocid in (f"{PREFIX}-order-{market.pending.id}", f"{PREFIX}-order-{market.withdrawn.id}",
                 f"{PREFIX}-competition-999999999",
                 f"other-agreement-{market.world.agreement.id}", f"{PREFIX}-bogus-1",
                 f"{PREFIX}-agreement-x", "x" * 300):
        response = client.get(f"/api/v1/ocds/records/{ocid}")
        assert response.status_code == 404, ocid
        assert response.json["error"]["code"] == "ocid_not_found"
        assert set(response.json["error"]) == {"code", "message", "details"}
