"""Beyond one machine, on one machine: a two-node OpenSearch cluster that loses a node.

    .venv/bin/python bench/multinode.py [--offers 5000] [--launcher DIR] [--seconds 20]

Starts two OpenSearch nodes of one cluster with the dev launcher (``--seed-hosts``; http
127.0.0.1:9211/9212, transport 9311/9312, data under ``var/bench-cluster/``, wiped first),
rebuilds the demo catalogue (``mall_bench_search`` database, as ``search_latency.py``) into
an index with **2 primary shards and 1 replica** through the app's own rebuild, then sends
the judged queries through the app (``MALL_OPENSEARCH_URL`` listing both nodes; each
expected to find what it found with both nodes up) without
pause while node 2 is stopped with SIGTERM and later started again. It counts answered and
failed searches in each phase and how long the cluster took to be green again, and checks
that no search failed. Everything binds to loopback only; both nodes are stopped at the end.

``--launcher`` is the built ``devservices/opensearch`` project (``make services`` builds it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, load_services_env, percentile, prepare_demo_database, print_figures

DEFAULT_DB = "postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_search"
ALIAS = "bench-cluster"
NODES = {"bench-node-1": (9211, 9311), "bench-node-2": (9212, 9312)}
MAIN = "mall.devservices.OpenSearchLauncher"


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return str(Path(home, "bin", "java"))
    for candidate in sorted(Path("/usr/lib/jvm").glob("java-17-openjdk-*/bin/java")):
        return str(candidate)
    return shutil.which("java") or "java"


def start_node(name: str, launcher: Path, home: Path) -> subprocess.Popen[bytes]:
    http, transport = NODES[name]
    seeds = ",".join(f"127.0.0.1:{t}" for _, t in NODES.values())
    log = (home / f"{name}.log").open("ab")
    return subprocess.Popen(
        [_java(), "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
         "-cp", f"{launcher / 'target' / 'opensearch-launcher-1.0.0.jar'}:"
                f"{launcher / 'target' / 'lib'}/*", MAIN,
         "--home", str(home / name), "--http-port", str(http),
         "--transport-port", str(transport), "--cluster-name", "mall-bench-cluster",
         "--node-name", name, "--seed-hosts", seeds,
         "--initial-managers", ",".join(NODES)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(client: Any, nodes: int, status: str, timeout: float = 240) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            # The health API waits up to 30 s itself (opensearch-py takes ``timeout`` as the
            # client's, so the server's default is kept and the client waits longer).
            health = client.cluster.health(wait_for_nodes=str(nodes), wait_for_status=status,
                                           request_timeout=45)
            if not health.get("timed_out") and health["number_of_nodes"] == nodes:
                return time.perf_counter() - started
        except Exception:  # not up yet
            time.sleep(1)
    raise SystemExit(f"cluster not {status} with {nodes} nodes after {timeout} s")


class Searcher(threading.Thread):
    """Sends the judged queries through the app without pause, counting per phase."""

    def __init__(self, app: Any, queries: list[str]) -> None:
        super().__init__(daemon=True)
        self.client, self.queries = app.test_client(), queries
        # What each query finds with the whole cluster up: a different total later is a
        # failure too (a shard missing from the answer), zero included.
        self.expected = {q: self.client.get("/api/v1/search", query_string={"q": q})
                         .get_json()["total"] for q in queries}
        self.phase = "both nodes"
        self.counts: dict[str, dict[str, Any]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            q = self.queries[n % len(self.queries)]
            n += 1
            started = time.perf_counter()
            response = self.client.get("/api/v1/search", query_string={"q": q})
            elapsed = (time.perf_counter() - started) * 1000
            entry = self.counts.setdefault(self.phase, {"ok": 0, "failed": 0, "ms": [],
                                                         "why": Counter()})
            answer = response.get_json(silent=True) or {}
            if response.status_code == 200 and answer.get("total") == self.expected[q]:
                entry["ok"] += 1
                entry["ms"].append(elapsed)
            else:
                entry["failed"] += 1
                code = answer.get("error", {}).get("code") if response.status_code != 200 \
                    else f"total {answer.get('total')} not {self.expected[q]}"
                entry["why"][f"{response.status_code} {code}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--launcher", type=Path, default=ROOT / "devservices" / "opensearch")
    args = parser.parse_args()
    load_services_env()
    db_url = os.environ.get("MALL_BENCH_SEARCH_DATABASE_URL", DEFAULT_DB)
    prepare_demo_database(db_url, args.offers)

    from sqlalchemy.orm import Session

    from indexer.rebuild import rebuild
    from mall import create_app
    from mall.config import Config
    from mall.db import make_engine
    from mall.search.client import make_client
    from tests.search.relevance_data import JUDGED

    home = ROOT / "var" / "bench-cluster"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    nodes = {name: start_node(name, args.launcher, home) for name in NODES}
    url = ",".join(f"http://127.0.0.1:{http}" for http, _ in NODES.values())
    client = make_client(url, timeout=30)
    try:
        formed = wait_for(client, 2, "green")
        with Session(make_engine(db_url)) as session:
            built = rebuild(client, session, ALIAS, date.today(), shards=2)
        client.indices.put_settings(index=built.index,
                                    body={"index": {"number_of_replicas": 1}})
        replicated = wait_for(client, 2, "green")
        config = Config.from_env().replace(database_url=db_url, opensearch_url=url,
                                           search_alias=ALIAS, search_timeout=10.0)
        searcher = Searcher(create_app(config), [j.q for j in JUDGED])
        searcher.start()
        time.sleep(args.seconds)
        searcher.phase = "node 2 stopped"
        nodes["bench-node-2"].send_signal(signal.SIGTERM)
        nodes["bench-node-2"].wait(60)
        time.sleep(args.seconds)
        searcher.phase = "node 2 rejoining"
        nodes["bench-node-2"] = start_node("bench-node-2", args.launcher, home)
        recovered = wait_for(client, 2, "green")
        searcher.phase = "both nodes again"
        time.sleep(args.seconds / 2)
        searcher.stop.set()
        searcher.join(30)
    finally:
        for process in nodes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in nodes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"cluster formed in {formed:.1f} s; {built.documents:,} documents in 2 shards, "
          f"replicas green after {replicated:.1f} s; green again {recovered:.1f} s after "
          f"node 2 restarted")
    failed = 0
    for phase, entry in searcher.counts.items():
        failed += entry["failed"]
        p95 = percentile(entry["ms"], 95) if entry["ms"] else float("nan")
        print(f"{phase:<18} answered {entry['ok']:>6}  failed {entry['failed']:>4}  "
              f"p95 {p95:.1f} ms  {dict(entry['why'])}")
    stopped = searcher.counts.get("node 2 stopped", {"ok": 0, "failed": 0})
    print_figures("multinode", [
        {"figure": "searches failed while a node was stopped or rejoining", "value": failed,
         "unit": "", "raw": None, "goal": "0"},
        {"figure": "searches answered with node 2 stopped", "value": stopped["ok"],
         "unit": "", "raw": None, "goal": "> 0"},
        {"figure": "cluster green again after node 2 restarted", "value": round(recovered, 1),
         "unit": "s", "raw": None, "goal": None},
    ])
    if failed or not stopped["ok"]:
        raise SystemExit("searches failed while a node was down")


if __name__ == "__main__":
    main()
