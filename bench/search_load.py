"""Search under load: the app over HTTP against the raw OpenSearch client, same bodies.

    .venv/bin/python bench/search_load.py [--offers 5000] [--users 16] [--seconds 30]

Uses locust (in the ``test`` extra). Seeds or reuses the search
bench database (``mall_bench_search``), rebuilds the alias ``bench-load`` (or, with
``--reuse-alias NAME``, searches an alias already built on that database), starts the app
with gunicorn on 127.0.0.1 (``gunicorn.conf.py``: 2 workers x 16 threads), writes the judged
queries and the bodies the app builds for them, then runs locust headless on loopback twice
for ``--seconds`` each with ``--users`` concurrent users and no think time: once against the
app (``GET /api/v1/search``), once against OpenSearch with the same bodies. Throughput is
requests per second over the whole run; the goal is app >= 0.8 x raw.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, index_for_bench, load_services_env, prepare_demo_database, print_figures

DEFAULT_DB = "postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_search"
ALIAS = "bench-load"
PORT = 5077


def _locust(user: str, host: str, users: int, seconds: int, bodies: Path,
            workdir: Path) -> dict[str, float]:
    prefix = workdir / user
    # Locust exits 1 when any request failed: that is a result (counted and reported below,
    # and main() fails after printing it), not a broken run; no stats file is one.
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), user,
         "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        check=False, env={**os.environ, "MALL_LOAD_BODIES": str(bodies)}, cwd=ROOT,
        capture_output=True)
    if done.returncode not in (0, 1) or not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust {user} failed ({done.returncode}): {done.stderr[-2000:]!r}")
    with open(f"{prefix}_stats.csv", newline="") as f:
        total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {"rps": float(total["Requests/s"]), "requests": float(total["Request Count"]),
            "failures": float(total["Failure Count"]),
            "p50_ms": float(total["50%"]), "p95_ms": float(total["95%"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--reuse-alias", metavar="ALIAS",
                        help="search this existing alias (e.g. bench-search, left by "
                             "search_latency.py on the same database) instead of rebuilding "
                             "bench-load: a rebuild at 1,000,000 offers takes minutes")
    args = parser.parse_args()
    load_services_env()
    db_url = os.environ.get("MALL_BENCH_SEARCH_DATABASE_URL", DEFAULT_DB)
    os_url = os.environ.get("MALL_OPENSEARCH_URL", "http://127.0.0.1:9200")
    prepare_demo_database(db_url, args.offers)


    from mall import create_app
    from mall.config import Config
    from mall.search.query import build_search_body
    from mall.search.schemas import parse_search_args
    from tests.search.relevance_data import JUDGED

    alias = args.reuse_alias or ALIAS
    documents = index_for_bench(db_url, os_url, alias, bool(args.reuse_alias))
    queries = [j.q for j in JUDGED]
    app = create_app(Config.from_env().replace(database_url=db_url, search_alias=alias))
    with app.test_request_context():
        bodies = [build_search_body(parse_search_args({"q": q, "per_page": "20"}))
                  for q in queries]
    workdir = Path(tempfile.mkdtemp(prefix="mall-load-"))
    load_file = workdir / "load.json"
    load_file.write_text(json.dumps({"alias": alias, "queries": queries, "bodies": bodies},
                                    ensure_ascii=False))
    env = {**os.environ, "MALL_DATABASE_URL": db_url, "MALL_SEARCH_ALIAS": alias,
           "MALL_BIND": f"127.0.0.1:{PORT}", "MALL_ACCESS_LOG": str(workdir / "access.log")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=(workdir / "gunicorn.log").open("w"),
                              start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        app_run = _locust("AppSearch", f"http://127.0.0.1:{PORT}", args.users, args.seconds,
                          load_file, workdir)
        raw_run = _locust("RawSearch", os_url, args.users, args.seconds, load_file, workdir)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    print(f"{documents:,} offers; {args.users} users, {args.seconds} s each, loopback")
    for name, run in (("app", app_run), ("raw", raw_run)):
        print(f"{name:<4} {run['rps']:8.1f} req/s  p50 {run['p50_ms']:.0f} ms  "
              f"p95 {run['p95_ms']:.0f} ms  failures {run['failures']:.0f}")
    print_figures("search_load", [
        {"figure": f"search throughput, {args.users} users ({documents:,} offers)",
         "value": round(app_run["rps"], 1), "unit": "req/s", "raw": round(raw_run["rps"], 1),
         "goal": "ratio >= 0.8"},
    ])
    if app_run["failures"]:
        raise SystemExit(f"{app_run['failures']:.0f} app requests failed")


if __name__ == "__main__":
    main()
