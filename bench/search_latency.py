"""Search API latency over the judged queries on the demo catalog.

    .venv/bin/python bench/search_latency.py [--offers 5000] [--rounds 20] [--warmup 2]
        [--interleave]

Method:
1. Its own PostgreSQL database (``MALL_BENCH_SEARCH_DATABASE_URL``, default
   ``mall_bench_search`` on the dev cluster, created if missing), migrated to heads and seeded
   by ``mall.demo.seed.seed_demo`` (reused when it already holds ``--offers`` offers).
2. ``indexer.rebuild.rebuild`` builds a fresh index behind the alias ``bench-search`` on
   ``MALL_OPENSEARCH_URL`` (the default mapping: 1 shard, 0 replicas).
3. The app (``create_app``) serves ``GET /api/v1/search?q=<query>&per_page=20`` through the
   Flask test client, in process: schema validation, the category/attribute lookup in
   PostgreSQL, the query builder, the OpenSearch round trip over HTTP on loopback (facets,
   highlights, total hits) and the JSON response. Each of the relevance suite's judged
   queries (``tests/search/relevance_data.JUDGED``) runs ``--warmup`` rounds unmeasured,
   then ``--rounds`` rounds measured with ``time.perf_counter``, one request at a time
   (sequential, a single client: this is per-request latency, not throughput).
4. The baseline: the raw OpenSearch client sends the same bodies (built by the app's own
   schema and query builder), as many rounds. By default all the app's rounds run first,
   then all the raw client's; with ``--interleave`` each query goes through the app and the
   raw client back to back (which goes first alternates by round), so on a machine whose
   load changes during the run both sides see the same load.
5. It prints p50/p95/p99/max over all measured requests, the slowest queries by p95, and the
   OpenSearch-reported ``took`` p50/p95 for comparison (the engine's own share).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    index_for_bench,
    load_services_env,
    percentile,
    prepare_demo_database,
    print_figures,
)

DEFAULT_DB = "postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_search"
ALIAS = "bench-search"


def _proc_status_mb(key: str) -> float | None:
    """A ``/proc/self/status`` memory figure (kB there) in MB, or None where absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(f"{key}:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--interleave", action="store_true",
                        help="alternate app and raw requests query by query (see Method 4)")
    parser.add_argument("--reuse-index", action="store_true",
                        help=f"search the index already behind {ALIAS} (built by an earlier "
                             "run on the same database) instead of rebuilding it: a rebuild "
                             "at 1,000,000 offers takes about 16 minutes")
    args = parser.parse_args()

    load_services_env()
    db_url = os.environ.get("MALL_BENCH_SEARCH_DATABASE_URL", DEFAULT_DB)
    os_url = os.environ.get("MALL_OPENSEARCH_URL", "http://127.0.0.1:9200")
    seeded = prepare_demo_database(db_url, args.offers)


    from mall import create_app
    from mall.config import Config
    from mall.search.client import make_client
    from tests.search.relevance_data import JUDGED

    rss_before_rebuild = _proc_status_mb("VmRSS")
    rebuild_started = time.perf_counter()
    documents = index_for_bench(db_url, os_url, ALIAS, args.reuse_index)
    rebuild_seconds = time.perf_counter() - rebuild_started
    # Peak RSS so far (VmHWM): the rebuild's, plus the seeding's when this process seeded.
    rebuild_rss_peak = _proc_status_mb("VmHWM")

    config = Config.from_env().replace(database_url=db_url, opensearch_url=os_url,
                                       search_alias=ALIAS)
    app = create_app(config)
    client = app.test_client()
    queries = [j.q for j in JUDGED]
    latencies: list[float] = []
    took: list[float] = []
    per_query: dict[str, list[float]] = {q: [] for q in queries}
    totals: dict[str, int] = {}
    engine = make_client(os_url, timeout=10)
    # The raw client's bodies: what the app builds for the same arguments (the baseline).
    from mall.search.query import build_search_body
    from mall.search.schemas import parse_search_args

    raw: list[float] = []
    with app.test_request_context():
        bodies = [build_search_body(parse_search_args({"q": q, "per_page": "20"}))
                  for q in queries]

    def through_app(q: str, measured: bool) -> None:
        started = time.perf_counter()
        response = client.get("/api/v1/search", query_string={"q": q, "per_page": 20})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{q!r}: HTTP {response.status_code} {response.get_data()!r}")
        if measured:
            latencies.append(elapsed)
            per_query[q].append(elapsed)
        totals[q] = response.get_json()["total"]

    def through_raw_client(body: dict[str, object], measured: bool) -> None:
        started = time.perf_counter()
        answer = engine.search(index=ALIAS, body=body)
        if measured:
            raw.append((time.perf_counter() - started) * 1000)
            took.append(float(answer["took"]))

    rounds = range(args.warmup + args.rounds)
    if args.interleave:
        # Each query through the app and through the raw client back to back, the first of
        # the two alternating by round: both see the same load, and neither always follows.
        for round_no in rounds:
            for q, body in zip(queries, bodies, strict=True):
                measured = round_no >= args.warmup
                if round_no % 2:
                    through_raw_client(body, measured)
                    through_app(q, measured)
                else:
                    through_app(q, measured)
                    through_raw_client(body, measured)
    else:
        for round_no in rounds:
            for q in queries:
                through_app(q, round_no >= args.warmup)
        for round_no in rounds:
            for body in bodies:
                through_raw_client(body, round_no >= args.warmup)

    summary = {
        "offers_indexed": documents,
        "seed": seeded,
        "rebuild_seconds": round(rebuild_seconds, 1),
        "rebuild_rss_before_mb": rss_before_rebuild,
        "rebuild_rss_peak_mb": rebuild_rss_peak,
        "queries": len(queries),
        "interleaved": args.interleave,
        "requests": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "raw_client_p50_ms": round(percentile(raw, 50), 1),
        "raw_client_p95_ms": round(percentile(raw, 95), 1),
        "engine_took_p50_ms": round(percentile(took, 50), 1),
        "engine_took_p95_ms": round(percentile(took, 95), 1),
        "zero_result_queries": sorted(q for q, n in totals.items() if n == 0),
    }
    print_figures("search_latency", [
        {"figure": f"search p50 ({documents:,} offers)", "value": summary["p50_ms"],
         "unit": "ms", "raw": summary["raw_client_p50_ms"], "goal": "ratio <= 1.2"},
        {"figure": f"search p95 ({documents:,} offers)", "value": summary["p95_ms"],
         "unit": "ms", "raw": summary["raw_client_p95_ms"],
         "goal": "<= 100 ms, ratio <= 1.2"},
    ])
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    if seeded.get("seeded"):
        print(f"seeded {seeded['offers']:,} offers in {seeded['seed_seconds']:.1f} s")
    if args.reuse_index:
        print(f"demo catalog: {documents} documents already indexed behind {ALIAS} (reused)")
    else:
        print(f"demo catalog: {documents} visible offers indexed in {ALIAS} in "
              f"{rebuild_seconds:.1f} s (peak RSS {rebuild_rss_peak} MB, "
              f"{rss_before_rebuild} MB before the rebuild)")
    print(f"{len(queries)} judged queries x {args.rounds} rounds = {len(latencies)} requests "
          f"(after {args.warmup} warm-up rounds)")
    print(f"GET /api/v1/search  p50 {summary['p50_ms']} ms  p95 {summary['p95_ms']} ms  "
          f"p99 {summary['p99_ms']} ms  max {summary['max_ms']} ms  "
          f"mean {summary['mean_ms']} ms")
    print(f"raw client          p50 {summary['raw_client_p50_ms']} ms  "
          f"p95 {summary['raw_client_p95_ms']} ms (same bodies, same rounds, "
          f"{'interleaved' if args.interleave else 'after the app'})")
    print(f"OpenSearch took     p50 {summary['engine_took_p50_ms']} ms  "
          f"p95 {summary['engine_took_p95_ms']} ms")
    slowest = sorted(per_query.items(), key=lambda kv: percentile(kv[1], 95), reverse=True)[:5]
    print("slowest queries by p95: " + ", ".join(
        f"{q!r} {percentile(v, 95):.1f} ms" for q, v in slowest))
    print(f"queries with no result on the demo catalog: {summary['zero_result_queries']}")


if __name__ == "__main__":
    main()
