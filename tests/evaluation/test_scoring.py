"""Remote scoring: sealed scores, the best-value formula, outliers, the award by totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select

from mall.evaluation.services.scoring import compute
from mall.orders.models import Flag
from tests.evaluation.conftest import PLAN, Pool, best_value_competition, quote
from tests.factories.accounts import PASSWORD
from tests.orders.test_competitions import _close

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_price_score_uses_the_evaluated_price_after_the_sme_deduction() -> None:
    # quote 1: a large supplier at 285,000; quote 2: a small one at 300,000 → 270,000 evaluated
    quotes = [(1, Decimal("285000.00"), T0), (2, Decimal("270000.00"), T0)]
    scores = {10: {1: {"quality": Decimal(8), "service": Decimal(6)},
                   2: {"quality": Decimal(6), "service": Decimal(6)}},
              11: {1: {"quality": Decimal(10), "service": Decimal(8)},
                   2: {"quality": Decimal(6), "service": Decimal(8)}}}
    result = compute(PLAN, quotes, scores)
    by_id = {r.quote_id: r for r in result.quotes}
    # price: lowest 270,000 / 285,000 × 0.6 × 100 = 56.84; the lowest gets the full 60
    assert by_id[1].price_score == Decimal("56.84")
    assert by_id[2].price_score == Decimal("60.00")
    # quality: 0.3 × 9/10 × 100 + 0.1 × 7/10 × 100 = 27 + 7 = 34; quote 2: 18 + 7 = 25
    assert by_id[1].quality_score == Decimal("34.00")
    assert by_id[2].quality_score == Decimal("25.00")
    assert by_id[1].criterion_means == {"quality": Decimal("9.00"), "service": Decimal("7.00")}
    assert (by_id[1].total, by_id[2].total) == (Decimal("90.84"), Decimal("85.00"))
    assert [r.quote_id for r in result.quotes] == [1, 2]  # best value beats lowest price
    assert [r.rank for r in result.quotes] == [1, 2]
    assert result.outliers == []


def test_an_outlying_score_is_detected() -> None:
    quotes = [(1, Decimal("100"), T0)]
    scores = {e: {1: {"quality": Decimal(s), "service": Decimal(7)}}
              for e, s in ((1, 8), (2, 7), (3, 8), (4, 2))}
    [outlier] = compute(PLAN, quotes, scores).outliers
    # expert 4 gave 2; the others' median is 8: 6 away > 30% of 10. The others are within 3
    # of the median of the rest (7 of 8, 8, 2 → 8).
    assert (outlier.expert_id, outlier.quote_id, outlier.criterion) == (4, 1, "quality")
    assert outlier.others_median == Decimal("8")


def _scored_competition(client: FlaskClient, pool: Pool):  # type: ignore[no-untyped-def]
    world = pool.world
    for region in ("CN-BJ", "CN-SH", "CN-GD"):
        pool.add_expert(region)
    competition = best_value_competition(client, world)
    cheap = quote(client, world, world.supplier_user(0), competition, "0.95")  # large
    good = quote(client, world, world.supplier_user(1), competition, "1.00")  # small
    _close(world, competition)
    drawn = client.post(f"/api/v1/competitions/{competition.id}/panel",
                        headers=world.headers(world.buyer))
    assert drawn.status_code == 201, drawn.json
    return world, competition, cheap, good


def _assignment(client: FlaskClient, pool: Pool, expert) -> dict:  # type: ignore[no-untyped-def]
    listed = client.get("/api/v1/expert/evaluations", headers=pool.world.headers(expert)).json
    [item] = listed["items"]
    return client.get(f"/api/v1/expert/evaluations/{item['id']}",
                      headers=pool.world.headers(expert)).json


def test_experts_see_answers_only_and_scores_stay_sealed(client: FlaskClient,
                                                         pool: Pool) -> None:
    world, competition, cheap, good = _scored_competition(client, pool)
    experts = pool.experts
    seen = _assignment(client, pool, experts[0])
    text = str(seen)
    assert [q["letter"] for q in seen["quotes"]] == ["A", "B"]
    assert "0.95" not in text and "285000" not in text  # no prices
    assert all(world.suppliers[i].name not in text for i in range(3))  # no suppliers
    assert seen["quotes"][0]["technical"]["quality"].startswith("Quality: our answer")
    assert seen["requirement_text"].startswith("便携式投影仪")
    url = f"/api/v1/expert/evaluations/{seen['id']}/scores"

    def scores(a: int, b: int) -> dict:
        return {str(cheap["id"]): {"quality": a, "service": 8},
                str(good["id"]): {"quality": b, "service": 8}}

    # bad input: out of range, a low score without a comment, a missing criterion
    bad = client.put(url, json={"scores": {str(cheap["id"]): {"quality": 11},
                                           str(good["id"]): {"quality": 2, "service": 8}}},
                     headers=world.headers(experts[0]))
    assert bad.status_code == 422
    codes = {p["code"] for p in bad.json["error"]["details"]["problems"]}
    assert codes == {"score_out_of_range", "score_missing", "comment_required"}
    ok = client.put(url, json={"scores": scores(6, 9)}, headers=world.headers(experts[0]))
    assert ok.status_code == 200, ok.json
    # sealed: the buyer sees only who submitted; another expert cannot read this one
    sealed = client.get(f"/api/v1/competitions/{competition.id}/evaluation",
                        headers=world.headers(world.buyer)).json
    assert sealed["status"] == "scoring" and sealed["quotes"] is None
    assert sum(m["submitted"] for m in sealed["panel"]) == 1
    other = _assignment(client, pool, experts[1])
    assert other["scores"] is None
    assert client.get(f"/api/v1/expert/evaluations/{seen['id']}",
                      headers=world.headers(experts[1])).status_code == 404
    assert client.post(f"/api/v1/competitions/{competition.id}/award",
                       headers=world.headers(world.buyer)).json["error"]["code"] == \
        "evaluation_incomplete"
    # corrections allowed until the panel is complete
    assert client.put(url, json={"scores": scores(7, 9)},
                      headers=world.headers(experts[0])).status_code == 200
    for expert in experts[1:]:
        mine = _assignment(client, pool, expert)
        response = client.put(f"/api/v1/expert/evaluations/{mine['id']}/scores",
                              json={"scores": scores(7, 9)}, headers=world.headers(expert))
        assert response.status_code == 200
    closed = client.put(url, json={"scores": scores(1, 1)}, headers=world.headers(experts[0]))
    assert closed.status_code == 409 and closed.json["error"]["code"] == "scoring_closed"
    result = client.get(f"/api/v1/competitions/{competition.id}/evaluation",
                        headers=world.headers(world.buyer)).json
    assert result["status"] == "complete"
    first, second = result["quotes"]
    # the small supplier: lowest evaluated price (270,000) and the better quality
    assert first["quote_id"] == good["id"] and first["price_score"] == "60.00"
    assert first["total"] == "95.00"  # 60 + 0.3 × 90 + 0.1 × 80
    assert second["price_score"] == "56.84"
    assert result["outliers"] == []
    award = client.post(f"/api/v1/competitions/{competition.id}/award",
                        headers=world.headers(world.buyer))
    assert award.status_code == 200 and award.json["awarded_rank"] == 1
    assert award.json["awarded_quote_id"] == good["id"]


def test_the_award_follows_the_totals_not_the_price(client: FlaskClient, pool: Pool) -> None:
    world, competition, cheap, good = _scored_competition(client, pool)
    # the small supplier quoted higher (1.00) and is scored much lower on quality: the
    # large supplier's 0.95 with top quality wins on total although not on price
    for n, expert in enumerate(pool.experts):
        mine = _assignment(client, pool, expert)
        low = 5 if n < 2 else 10  # the third is 5 from the others' median (5): an outlier
        client.put(f"/api/v1/expert/evaluations/{mine['id']}/scores", json={
            "scores": {str(cheap["id"]): {"quality": 10, "service": 10},
                       str(good["id"]): {"quality": low, "service": 10}},
            "comments": {str(good["id"]): {"quality": "does not meet the brightness need"}}},
            headers=world.headers(expert))
    result = client.get(f"/api/v1/competitions/{competition.id}/evaluation",
                        headers=world.headers(world.buyer)).json
    assert [q["quote_id"] for q in result["quotes"]] == [cheap["id"], good["id"]]
    [outlier] = result["outliers"]
    assert outlier["expert_id"] == pool.experts[2].id and outlier["criterion"] == "quality"
    flags = world.session.scalars(select(Flag).where(Flag.competition_id == competition.id,
                                                     Flag.kind == "outlier_score")).all()
    assert len(flags) == 1 and flags[0].details["expert_id"] == pool.experts[2].id
    award = client.post(f"/api/v1/competitions/{competition.id}/award",
                        headers=world.headers(world.buyer))
    assert award.json["awarded_quote_id"] == cheap["id"] and award.json["awarded_rank"] == 1
    # a non-first award by totals needs a reason, as on price
    assert award.json["status"] == "awarded"


def test_center_registers_experts_who_declare_conflicts(client: FlaskClient,
                                                        pool: Pool) -> None:
    world = pool.world
    headers = world.headers(pool.admin)
    body = {"name": "王专家", "email": "wang@experts.example", "password": PASSWORD + "-x",
            "region": "CN-SH", "specialties": [world.category.code],
            "affiliations": [world.suppliers[0].id]}
    created = client.post("/api/v1/admin/experts", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["roles"] == ["expert"] and created.json["region"] == "CN-SH"
    unknown = client.post("/api/v1/admin/experts", json={
        **body, "email": "li@experts.example", "specialties": ["NOPE"],
        "affiliations": [999_999]}, headers=headers)
    assert unknown.status_code == 422
    assert {p["code"] for p in unknown.json["error"]["details"]["problems"]} == {
        "unknown_category", "unknown_organization"}
    assert client.post("/api/v1/admin/experts", json=body,
                       headers=world.headers(world.buyer)).status_code == 403
    token = client.post("/api/v1/auth/token", json={
        "email": body["email"], "password": body["password"]}).json["token"]
    expert_headers = {"Authorization": f"Bearer {token}"}
    declared = client.post("/api/v1/expert/conflicts", json={
        "organization_id": world.purchaser.id, "reason": "my spouse works there"},
        headers=expert_headers)
    assert declared.status_code == 201 and declared.json["kind"] == "declared"
    again = client.post("/api/v1/expert/conflicts", json={
        "organization_id": world.purchaser.id, "reason": "again"}, headers=expert_headers)
    assert again.json["id"] == declared.json["id"]  # idempotent
    assert client.get("/api/v1/expert/evaluations", headers=expert_headers).json["total"] == 0
    # experts reach nothing else
    assert client.get("/api/v1/admin/flags", headers=expert_headers).status_code == 403
    assert client.get("/api/v1/requisitions", headers=expert_headers).status_code == 403
