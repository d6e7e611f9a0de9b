"""Benchmark: import a 100,000-row CSV supplier feed (``mall.catalog.feeds.applying.import_feed``).

Usage::

    .venv/bin/python bench/feed_import.py [--rows 100000] [--database-url URL] [--tracemalloc]
        [--simple] [--no-raw] [--profile FILE] [--reimport]

The database defaults to ``MALL_BENCH_DATABASE_URL``, else a fresh SQLite file in a temp dir;
it is migrated to head and given a minimal seeded setup (a center, one supplier, one category
with the laptop template, one agreement). The feed is generated deterministically
(``random.Random(42)``) into a temp file: 98% valid rows, 2% above the ceiling (rejected), and
then imported from that file exactly as the API does. Reports rows/s and peak memory: the
process's peak RSS growth during the import (``ru_maxrss``) and, with ``--tracemalloc``, the
peak of Python allocations (tracemalloc slows the import, so rows/s is measured without it).

On PostgreSQL the import takes the fast path (``feeds.fastpath``; ``--simple`` forces the
row-by-row path), and the same run then measures the machine's limit for the same file: a
raw ``COPY`` of the CSV into a staging table plus one set-based ``INSERT … ON CONFLICT`` into
``offers`` for a second supplier, with no rules and no bookkeeping; it prints the ratio.
``--profile FILE`` writes a cProfile of the import (slower; for finding the hot spots).
``--reimport`` then imports the same file again for the same supplier (every row unchanged:
a supplier re-sending its daily feed), and the raw baseline upserts its file a second time.

On a shared machine wall time swings with the load, so the run also reports CPU seconds:
the bench process's own (user + system) and, when the server runs on this machine and its
processes are readable, the PostgreSQL backend's (``/proc/<pid>/stat``), for the import and
for the raw baseline.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_figures
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mall.accounts.models import Organization, User, UserRole
from mall.catalog.feeds import applying
from mall.catalog.feeds.applying import import_feed
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    CategoryAttribute,
    Lot,
    Product,
)
from mall.db import make_engine
from mall.db_cli import upgrade

COLUMNS = ["sku", "agreement_number", "lot_code", "category_code", "title", "title_en",
           "brand", "model", "gtin", "unit", "price", "stock", "lead_time_days", "regions",
           "attributes", "valid_until"]
BRANDS = ["联想", "华为", "戴尔", "惠普", "宏碁", "华硕", "Lenovo", "Dell", "HP", "Apple"]
CPUS = ["i5", "i7", "Ryzen 5", "Ryzen 7"]


def seed(session: Session, run: str) -> tuple[Organization, str, str]:
    today = date.today()
    supplier = Organization(name=f"Bench supplier {run}", kind="supplier", region="CN-BJ",
                            size="small", status="active")
    session.add(supplier)
    session.add(User(email=f"bench-{run}@bench.example", password_hash="x", name="Bench",
                     organization=supplier, role_rows=[UserRole(role="supplier_admin")]))
    code = f"BENCH{run}"
    category = Category(scheme="bench", code=code, path=f"/{code}/", name_zh="笔记本电脑",
                        name_en="Laptops", attributes=[
                            CategoryAttribute(key="cpu", name_zh="处理器", name_en="CPU",
                                              type="enum", allowed_values=CPUS, required=True,
                                              position=0),
                            CategoryAttribute(key="memory_gb", name_zh="内存", name_en="Memory",
                                              type="number", unit="GB", required=True,
                                              position=1),
                            CategoryAttribute(key="touchscreen", name_zh="触摸屏",
                                              name_en="Touchscreen", type="bool", position=2)])
    number = f"GC-BENCH-{run}"
    agreement = Agreement(number=number, title="Bench agreement", currency="CNY",
                          starts_on=today - timedelta(days=10),
                          ends_on=today + timedelta(days=700), regions=["*"],
                          lots=[Lot(code="L1", category=category,
                                    ceiling_price=Decimal("20000.00"))])
    session.add_all([category, agreement])
    session.flush()
    session.add(AgreementSupplier(agreement_id=agreement.id, supplier_id=supplier.id))
    session.commit()
    return supplier, number, code


def write_feed(path: Path, rows: int, number: str, category: str) -> None:
    rng = random.Random(42)
    valid_until = (date.today() + timedelta(days=365)).isoformat()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(rows):
            brand = rng.choice(BRANDS)
            model = f"M{rng.randrange(5000):04d}"
            price = Decimal(rng.randrange(150000, 1800000)) / 100
            if rng.random() < 0.02:
                price = Decimal("25000.00")  # above the ceiling: rejected
            attributes = {"cpu": rng.choice(CPUS), "memory_gb": rng.choice([8, 16, 32]),
                          "touchscreen": rng.random() < 0.3}
            writer.writerow([f"BENCH-{i:06d}", number, "L1", category,
                             f"{brand} {model} 笔记本电脑 {attributes['cpu']}",
                             f"{brand} {model} laptop", brand, model, "", "台", f"{price:.2f}",
                             rng.randrange(0, 500), rng.randrange(1, 15),
                             ";".join(rng.sample(["CN-BJ", "CN-SH", "CN-GD", "CN-ZJ"], 2)),
                             json.dumps(attributes, ensure_ascii=False), valid_until])


RAW_STAGE = """CREATE TEMP TABLE raw_stage (sku text, agreement_number text, lot_code text,
    category_code text, title text, title_en text, brand text, model text, gtin text,
    unit text, price text, stock text, lead_time_days text, regions text, attributes text,
    valid_until text)"""
RAW_UPSERT = """
INSERT INTO offers (supplier_id, sku, agreement_id, lot_id, category_id, product_id, title,
    title_en, brand, model, gtin, unit, price, currency, stock, lead_time_days, regions,
    attributes, valid_until, status, version, created_at, updated_at)
SELECT %(supplier)s, sku, %(agreement)s, %(lot)s, %(category)s, %(product)s, title, title_en,
    brand, model, nullif(gtin, ''), unit, price::numeric, 'CNY', stock::int,
    lead_time_days::int, to_jsonb(string_to_array(regions, ';')), attributes::jsonb,
    valid_until::date, 'active', 1, now(), now()
FROM raw_stage
ON CONFLICT (supplier_id, sku) DO UPDATE SET price = EXCLUDED.price, stock = EXCLUDED.stock,
    title = EXCLUDED.title, regions = EXCLUDED.regions, attributes = EXCLUDED.attributes,
    valid_until = EXCLUDED.valid_until, version = offers.version + 1,
    updated_at = EXCLUDED.updated_at
"""


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a local server process, or None when not readable."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pid(session: Session) -> int | None:
    if session.get_bind().dialect.name != "postgresql":
        return None
    return int(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def raw_copy_upsert(engine: Engine, feed_path: Path, run: str,
                    passes: int = 1) -> list[tuple[float, int, float | None]]:
    """Per pass: seconds for COPY of the file plus one set-based upsert (no rules), rows
    written, and the backend's CPU seconds for them (None when not readable)."""
    with Session(engine) as session:
        supplier = Organization(name=f"Bench raw supplier {run}", kind="supplier",
                                region="CN-BJ", size="small", status="active")
        session.add(supplier)
        agreement = session.scalar(select(Agreement).where(
            Agreement.number == f"GC-BENCH-{run}"))
        assert agreement is not None
        lot = agreement.lots[0]
        product = Product(category_id=lot.category_id, brand="raw", model="raw",
                          model_key="raw|raw")
        session.add(product)
        session.commit()
        ids = {"supplier": supplier.id, "agreement": agreement.id, "lot": lot.id,
               "category": lot.category_id, "product": product.id}
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            row = cursor.fetchone()
            pid = int(row[0]) if row else None
        results = []
        for _ in range(passes):
            cpu_before = backend_cpu(pid)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(RAW_STAGE)
                with feed_path.open("rb") as handle, cursor.copy(
                        "COPY raw_stage FROM STDIN (FORMAT csv, HEADER true)") as copy:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
                cursor.execute(RAW_UPSERT, ids)
                written = cursor.rowcount
                cursor.execute("DROP TABLE raw_stage")
            connection.commit()
            elapsed = time.perf_counter() - started
            cpu_after = backend_cpu(pid)
            cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
            results.append((elapsed, written, cpu))
        return results
    finally:
        raw.close()


def measured_import(session: Session, supplier: Any, feed_path: Path,
                    pid: int | None) -> tuple[Any, float, float, float | None]:
    """Import the feed once and commit: the report, wall seconds, this process's CPU seconds
    and the PostgreSQL backend's (None unless the import kept the same connection)."""
    server_before, python_before = backend_cpu(pid), process_cpu()
    started = time.perf_counter()
    with feed_path.open("rb") as stream:
        report = import_feed(session, supplier, None, stream, "text/csv")
    elapsed = time.perf_counter() - started
    python_cpu = process_cpu() - python_before
    server_after = backend_cpu(pid)
    # Only when the import kept the same connection (the session's pool hands it back).
    same = pid is not None and backend_pid(session) == pid
    session.commit()
    server_cpu = (server_after - server_before
                  if same and server_before is not None and server_after is not None
                  else None)
    return report, elapsed, python_cpu, server_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("MALL_BENCH_DATABASE_URL"))
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure the peak of Python allocations (slower)")
    parser.add_argument("--simple", action="store_true",
                        help="the row-by-row path even on PostgreSQL")
    parser.add_argument("--no-raw", action="store_true",
                        help="skip the raw COPY + upsert baseline")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the import")
    parser.add_argument("--reimport", action="store_true",
                        help="then import the same file again (every row unchanged)")
    args = parser.parse_args()
    if args.simple:
        applying.FAST_PATH = False
    workdir = Path(tempfile.mkdtemp(prefix="mall-feed-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url, "heads")
    engine = make_engine(url)
    run = f"{int(time.time())}"
    with Session(engine) as session:
        supplier, number, category = seed(session, run)
        feed_path = workdir / "feed.csv"
        write_feed(feed_path, args.rows, number, category)
        size_mb = feed_path.stat().st_size / 1e6
        if args.tracemalloc:
            tracemalloc.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pid = backend_pid(session)
        session.commit()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        report, elapsed, python_cpu, server_cpu = measured_import(session, supplier,
                                                                  feed_path, pid)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
        again = measured_import(session, supplier, feed_path, pid) if args.reimport else None
    postgres = engine.dialect.name == "postgresql"
    raws = ([] if args.no_raw or not postgres else
            raw_copy_upsert(engine, feed_path, run, 2 if args.reimport else 1))
    raw = raws[0] if raws else None
    path = "fast" if postgres and applying.FAST_PATH else "simple"
    print(f"database      {engine.dialect.name} ({engine.url.render_as_string(True)})")
    print(f"machine       {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {platform.platform()}")
    print(f"feed          {args.rows:,} rows, {size_mb:.1f} MB CSV")
    print(f"report        ok={report.rows_ok:,} rejected={report.rows_rejected:,} "
          f"superseded={report.rows_superseded:,} status={report.status}")
    print(f"time          {elapsed:.1f} s")
    rate = report.rows_total / elapsed
    print(f"throughput    {rate:,.0f} rows/s ({path} path, every rule applied)")
    if raw is not None:
        raw_rate = args.rows / raw[0]
        print(f"raw           COPY + one upsert of the same file: {raw[0]:.1f} s, "
              f"{raw_rate:,.0f} rows/s ({raw[1]:,} rows written)")
        print(f"ratio         import / raw = {rate / raw_rate:.2f} "
              f"(raw is {raw_rate / rate:.1f}x faster)")
    server = "not readable" if server_cpu is None else f"{server_cpu:.1f} s"
    print(f"cpu           import: python {python_cpu:.1f} s, server backend {server}"
          + ("" if raw is None or raw[2] is None else
             f"; raw: server backend {raw[2]:.1f} s"))
    print(f"peak RSS      {rss_after / 1024:.1f} MiB (grew {(rss_after - rss_before) / 1024:.1f}"
          f" MiB during the import)")
    if traced is not None:
        print(f"tracemalloc   peak {traced / 2**20:.1f} MiB of Python allocations")
    if again is not None:
        second, again_elapsed, again_python, again_server = again
        again_rate = second.rows_total / again_elapsed
        print(f"re-import     the same file again: ok={second.rows_ok:,} in {again_elapsed:.1f} s, "
              f"{again_rate:,.0f} rows/s; cpu: python {again_python:.1f} s, server backend "
              + ("not readable" if again_server is None else f"{again_server:.1f} s"))
        if len(raws) > 1:
            raw_again = raws[1]
            print(f"raw again     the same COPY + upsert again: {raw_again[0]:.1f} s, "
                  f"{args.rows / raw_again[0]:,.0f} rows/s ({raw_again[1]:,} rows written"
                  + ("" if raw_again[2] is None else f", server backend {raw_again[2]:.1f} s")
                  + f"); ratio {again_rate / (args.rows / raw_again[0]):.2f}")
    print_figures("feed_import", [
        {"figure": f"feed import rows/s ({args.rows:,} rows, {engine.dialect.name})",
         "value": round(rate), "unit": "rows/s",
         "raw": round(args.rows / raw[0]) if raw is not None else None,
         "goal": ">= 10,000"},
        {"figure": f"feed import RSS growth ({args.rows:,} rows)",
         "value": round((rss_after - rss_before) / 1024, 1), "unit": "MiB", "raw": None,
         "goal": "<= 64 MiB at 1M"},
    ])


if __name__ == "__main__":
    main()
