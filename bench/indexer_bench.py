"""Indexer benchmark: rebuild throughput vs raw bulk, peak memory, change-to-searchable lag.

    .venv/bin/python bench/indexer_bench.py [--offers 100000] [--lag-samples 50]

Uses its own PostgreSQL database (``MALL_BENCH_DATABASE_URL``, default ``mall_bench_indexer``
on the dev cluster, created if missing) seeded by ``mall.demo.seed.seed_demo`` (5,000 distinct
demo offers, copied with new SKUs up to ``--offers``), and scratch
indices/aliases named ``bench-indexer-*`` on ``MALL_OPENSEARCH_URL``; both are left in place
for reruns (the seed is reused when it already has the requested number of offers).

Each measurement that needs a clean memory figure runs in a fresh subprocess:
- ``rebuild``: ``indexer.rebuild.rebuild`` end to end (stream from PostgreSQL, build documents,
  bulk into a new index, refresh, alias swap); docs/s and peak RSS (``ru_maxrss``) against
  the RSS after imports.
- ``raw``: the same documents built first into a list (not timed), then one timed
  ``helpers.parallel_bulk`` with as many threads as the rebuild has requests in flight
  (``--in-flight``, default the node's write pool, at least 2) into a scratch index with the
  same settings and chunk size.
- ``lag``: a ``sync --watch`` loop in a thread; N times: change an offer's price and write
  its outbox row, commit, then poll a search for the new price every 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, prepare_demo_database, print_figures

DEFAULT_DB = "postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_indexer"
ALIAS = "bench-indexer"
CHUNK = 1000
# What mall.demo.seed can generate as distinct offers; the rest are copies (new SKUs).
DEMO_OFFERS = 5000


def _proc_status_mb(key: str) -> float | None:
    """A ``/proc/self/status`` memory figure (kB there) in MB, or None if absent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    return None


def _rss_mb() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    peak = _proc_status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    return _proc_status_mb("VmRSS") or 0.0


def _engine(url: str):  # type: ignore[no-untyped-def]
    from mall.db import make_engine

    return make_engine(url)


def _client(url: str):  # type: ignore[no-untyped-def]
    from mall.search.client import make_client

    return make_client(url, timeout=120)


def prepare(db_url: str, offers: int) -> dict:
    """The bench database with ``offers`` offers: the demo catalogue, copied up to size."""
    return prepare_demo_database(db_url, offers, demo_offers=DEMO_OFFERS,
                                 grow=_multiply_offers)


def _multiply_offers(engine, target: int) -> None:  # type: ignore[no-untyped-def]
    """The demo catalogue holds only so many distinct offers: copy them (new SKUs) up to
    ``target`` rows, keeping real categories, attributes, suppliers and agreements."""
    from sqlalchemy import text

    from mall.catalog.models import Offer

    columns = [c.name for c in Offer.__table__.columns if c.name not in ("id", "sku")]
    names = ", ".join(columns)
    with engine.begin() as c:
        have = c.execute(text("SELECT count(*) FROM offers")).scalar()
        copies = -(-(target - have) // have)
        c.execute(text(
            f"INSERT INTO offers (sku, {names}) SELECT o.sku || '-c' || g, "
            f"{', '.join('o.' + n for n in columns)} FROM offers o "
            f"CROSS JOIN generate_series(1, :copies) g ORDER BY g, o.id LIMIT :missing"),
            {"copies": copies, "missing": target - have})
        c.execute(text("ANALYZE offers"))


def phase_rebuild(db_url: str, os_url: str, in_flight: int) -> dict:
    from sqlalchemy.orm import Session

    from indexer.rebuild import rebuild

    engine, client = _engine(db_url), _client(os_url)
    baseline = _current_rss_mb()
    with Session(engine, expire_on_commit=False) as s:
        started = time.perf_counter()
        result = rebuild(client, s, ALIAS, date.today(), chunk_size=CHUNK,
                         in_flight=in_flight)
        seconds = time.perf_counter() - started
    return {"docs": result.documents, "seconds": seconds,
            "docs_per_s": result.documents / seconds,
            "rss_baseline_mb": baseline, "rss_peak_mb": _rss_mb()}


def phase_tracemalloc(db_url: str, os_url: str, in_flight: int) -> dict:
    """Python heap peak while streaming and building every document (no bulk: pure client)."""
    import tracemalloc

    from sqlalchemy.orm import Session

    from indexer.offers import stream_visible_offers
    from mall.search.documents import build_document

    engine = _engine(db_url)
    tracemalloc.start()
    n = 0
    with Session(engine, expire_on_commit=False) as s:
        for offer in stream_visible_offers(s, date.today()):
            build_document(offer)
            n += 1
    _, peak = tracemalloc.get_traced_memory()
    return {"docs": n, "py_heap_peak_mb": peak / 2**20}


def phase_raw(db_url: str, os_url: str, in_flight: int) -> dict:
    from opensearchpy import helpers
    from sqlalchemy.orm import Session

    from indexer.offers import stream_visible_offers
    from mall.search.documents import build_document
    from mall.search.index import index_body

    engine, client = _engine(db_url), _client(os_url)
    with Session(engine, expire_on_commit=False) as s:
        docs = [(o.id, o.version, build_document(o))
                for o in stream_visible_offers(s, date.today())]
    index = f"{ALIAS}-raw-scratch"
    client.indices.delete(index=index, ignore_unavailable=True)
    client.indices.create(index=index, body=index_body(replicas=0, refresh_interval="-1"))
    actions = [{"_index": index, "_id": str(i), "_source": d, "version": v,
                "version_type": "external_gte"} for i, v, d in docs]
    started = time.perf_counter()
    ok = 0
    for success, _ in helpers.parallel_bulk(client, actions, thread_count=in_flight,
                                            queue_size=in_flight, chunk_size=CHUNK,
                                            request_timeout=120):
        ok += success
    client.indices.refresh(index=index)
    seconds = time.perf_counter() - started
    client.indices.delete(index=index)
    return {"docs": ok, "seconds": seconds, "docs_per_s": ok / seconds,
            "rss_peak_mb": _rss_mb()}


def phase_lag(db_url: str, os_url: str, samples: int, interval: float) -> dict:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from indexer.status import percentile, status
    from indexer.sync import run
    from mall.catalog.models import Offer
    from mall.catalog.visibility import visible_clause
    from mall.outbox.services import enqueue

    engine, client = _engine(db_url), _client(os_url)
    stop = threading.Event()
    sync_session = Session(engine, expire_on_commit=False)
    worker = threading.Thread(target=run, args=(client, sync_session, ALIAS),
                              kwargs={"watch": True, "interval": interval,
                                      "should_stop": stop.is_set}, daemon=True)
    worker.start()
    lags: list[float] = []
    with Session(engine, expire_on_commit=False) as s:
        ids = list(s.scalars(select(Offer.id).where(visible_clause(date.today()))
                             .order_by(Offer.id).limit(samples)))
        for n, offer_id in enumerate(ids):
            offer = s.get(Offer, offer_id)
            new_price = (offer.price - Decimal("0.01") * (n + 1)).quantize(Decimal("0.01"))
            offer.price, offer.version = new_price, offer.version + 1
            enqueue(s, "offer", [offer_id], "bench-price")
            s.commit()
            t0 = time.perf_counter()
            while True:
                hits = client.search(index=ALIAS, body={
                    "query": {"term": {"offer_id": offer_id}}, "_source": ["price"]})
                found = hits["hits"]["hits"]
                if found and Decimal(str(found[0]["_source"]["price"])) == new_price:
                    break
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError(f"offer {offer_id} not searchable after 60 s")
                time.sleep(0.005)
            lags.append(time.perf_counter() - t0)
        report = status(s, recent=samples)
    stop.set()
    worker.join(10)
    lags.sort()
    return {"samples": len(lags), "sync_interval_s": interval,
            "p50_s": statistics.median(lags),
            "p95_s": percentile(lags, 0.95), "max_s": lags[-1],
            "status_lag_p50_s": report.lag_p50, "status_lag_p95_s": report.lag_p95}


def _subprocess(phase: str, args: argparse.Namespace, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--database-url", args.database_url,
         "--opensearch-url", args.opensearch_url, "--in-flight", str(args.in_flight), *extra],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--lag-samples", type=int, default=50)
    parser.add_argument("--sync-interval", type=float, default=1.0,
                        help="sync --watch poll interval for the lag test (CLI default 1.0)")
    parser.add_argument("--database-url",
                        default=os.environ.get("MALL_BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--opensearch-url",
                        default=os.environ.get("MALL_OPENSEARCH_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--in-flight", type=int, default=0,
                        help="bulk requests in flight for rebuild and raw (0: the node's)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.in_flight:
        from indexer.rebuild import bulk_in_flight

        args.in_flight = bulk_in_flight(_client(args.opensearch_url))
    if args.phase:
        if args.phase == "lag":
            result = phase_lag(args.database_url, args.opensearch_url, args.lag_samples,
                               args.sync_interval)
        else:
            result = {"rebuild": phase_rebuild, "raw": phase_raw,
                      "tracemalloc": phase_tracemalloc}[args.phase](
                args.database_url, args.opensearch_url, args.in_flight)
        print(json.dumps(result))
        return
    results = {"prepare": prepare(args.database_url, args.offers)}
    print(json.dumps(results["prepare"]), flush=True)
    for phase in ("rebuild", "raw", "tracemalloc"):
        results[phase] = _subprocess(phase, args)
        print(phase, json.dumps(results[phase]), flush=True)
    results["lag"] = _subprocess("lag", args, "--lag-samples", str(args.lag_samples),
                                 "--sync-interval", str(args.sync_interval))
    print("lag", json.dumps(results["lag"]), flush=True)
    r, w = results["rebuild"], results["raw"]
    print(f"\nrebuild: {r['docs']} docs in {r['seconds']:.1f} s = {r['docs_per_s']:,.0f} docs/s "
          f"with {args.in_flight} requests in flight (raw parallel_bulk of the same "
          f"documents, {args.in_flight} threads: {w['docs_per_s']:,.0f} docs/s, "
          f"rebuild = {r['docs_per_s'] / w['docs_per_s']:.0%} of raw)")
    print(f"rebuild peak RSS {r['rss_peak_mb']:.0f} MB (baseline after imports "
          f"{r['rss_baseline_mb']:.0f} MB); raw bulk with documents prebuilt in memory: "
          f"{w['rss_peak_mb']:.0f} MB; Python heap peak while streaming+building: "
          f"{results['tracemalloc']['py_heap_peak_mb']:.1f} MB")
    lag = results["lag"]
    print_figures("indexer_bench", [
        {"figure": f"rebuild docs/s ({r['docs']:,} docs, {args.in_flight} in flight)",
         "value": round(r["docs_per_s"]), "unit": "docs/s", "raw": round(w["docs_per_s"]),
         "goal": "ratio >= 0.8"},
        {"figure": f"rebuild peak RSS ({r['docs']:,} docs)", "value": round(r["rss_peak_mb"]),
         "unit": "MB", "raw": None, "goal": "flat 100k -> 1M (±10%)"},
        {"figure": "change-to-searchable lag p95", "value": round(lag["p95_s"], 3),
         "unit": "s", "raw": None, "goal": "<= 2 s"},
    ])
    print(f"change-to-searchable lag over {lag['samples']} changes (sync interval "
          f"{lag['sync_interval_s']} s): p50 {lag['p50_s']:.3f} s, p95 {lag['p95_s']:.3f} s, "
          f"max {lag['max_s']:.3f} s")


if __name__ == "__main__":
    main()
