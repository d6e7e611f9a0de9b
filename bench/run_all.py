"""Every benchmark at its documented size, one table: figure, value, raw baseline, ratio, goal.

    .venv/bin/python bench/run_all.py [--quick] [--only search,indexer,...] [--markdown FILE]

``make bench`` runs the documented sizes (long: it seeds a million offers); ``--quick`` runs
tiny sizes so ``make test`` can show that every benchmark still runs (it checks nothing
else: figures on a shared CI machine mean nothing). Each benchmark runs in its own process
and prints a ``FIGURES {json}`` line (``bench/common.py``); a benchmark that fails is reported
and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import FIGURES_PREFIX, ROOT, ensure_database, load_services_env

PG = "postgresql+psycopg://mall:mall@127.0.0.1:54329"
# name → (script, documented-size arguments, quick arguments, extra environment)
BENCHES: dict[str, tuple[str, list[list[str]], list[str], dict[str, str]]] = {
    "search": ("search_latency.py", [["--offers", "1000000", "--rounds", "10"]],
               ["--offers", "300", "--rounds", "1", "--warmup", "0"], {}),
    "load": ("search_load.py", [["--offers", "1000000", "--users", "16", "--seconds", "60"]],
             ["--offers", "300", "--users", "2", "--seconds", "3"], {}),
    "indexer": ("indexer_bench.py", [["--offers", "100000"], ["--offers", "1000000"]],
                ["--offers", "300", "--lag-samples", "2"], {}),
    "compliance": ("compliance_bench.py", [["--rows", "1000000", "--decisions", "500"]],
                   ["--rows", "2000", "--decisions", "10"],
                   {"MALL_BENCH_DATABASE_URL": f"{PG}/mall_bench_orders"}),
    "feed": ("feed_import.py", [["--rows", "100000"], ["--rows", "1000000"]],
             ["--rows", "500"], {"MALL_BENCH_DATABASE_URL": f"{PG}/mall_bench_feed"}),
}


def run(name: str, arguments: list[str], env: dict[str, str]) -> dict[str, Any]:
    script = ROOT / "bench" / BENCHES[name][0]
    environment = {**os.environ, **{k: os.environ.get(k, v) for k, v in env.items()}}
    if "MALL_BENCH_DATABASE_URL" in env:
        ensure_database(environment["MALL_BENCH_DATABASE_URL"])
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), *arguments], cwd=ROOT, env=environment,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    figures = [json.loads(line[len(FIGURES_PREFIX):])["figures"]
               for line in done.stdout.splitlines() if line.startswith(FIGURES_PREFIX)]
    return {"bench": name, "arguments": arguments, "seconds": seconds,
            "ok": done.returncode == 0 and bool(figures),
            "figures": [f for group in figures for f in group],
            "error": "" if done.returncode == 0 else (done.stderr or done.stdout)[-2000:]}


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| figure | value | raw baseline | ratio | goal |", "|---|---|---|---|---|"]
    for result in results:
        if not result["ok"]:
            lines.append(f"| {result['bench']} {' '.join(result['arguments'])} | FAILED | | | |")
        for f in result["figures"]:
            unit = f" {f['unit']}" if f["unit"] else ""
            raw = f"{f['raw']}{unit}" if f["raw"] is not None else ""
            ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else ""
            lines.append(f"| {f['figure']} | {f['value']}{unit} | {raw} | {ratio} | "
                         f"{f['goal'] or ''} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: shows they run")
    parser.add_argument("--only", default="", help="comma-separated: " + ", ".join(BENCHES))
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    load_services_env()
    names = [n for n in args.only.split(",") if n] or list(BENCHES)
    results = []
    for name in names:
        script, sizes, quick, env = BENCHES[name]
        for arguments in [quick] if args.quick else sizes:
            print(f"running {script} {' '.join(arguments)} ...", file=sys.stderr, flush=True)
            result = run(name, arguments, env)
            status = "ok" if result["ok"] else "FAILED"
            print(f"  {status} in {result['seconds']:.0f} s", file=sys.stderr, flush=True)
            if not result["ok"]:
                print(result["error"], file=sys.stderr)
            results.append(result)
    rendered = table(results)
    print(rendered)
    if args.markdown:
        args.markdown.write_text(rendered + "\n")
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
