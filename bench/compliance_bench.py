"""Compliance decision time with 1,000,000 past requisitions on PostgreSQL.

    MALL_BENCH_DATABASE_URL=postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_orders \\
        .venv/bin/python bench/compliance_bench.py [--rows 1000000] [--decisions 500]

The database named by MALL_BENCH_DATABASE_URL is EMPTIED and migrated. The script
1. creates 200 purchaser organizations, 50 categories (one agreement and lot each) and
   3 suppliers with an offer in every category;
2. bulk-loads ``--rows`` past requisitions, one line each, with COPY, spread over the last
   two years (so about half fall into the cn-central calendar-year window), 85% ordered or
   pending, 15% blocked/rejected/cancelled;
3. times ``--decisions`` full compliance decisions through the real service
   (``create_requisition``: advisory lock, cumulative query, every rule, inserts, audit,
   and for direct routes the order with its stock reservation), each committed as a
   request commits (the data grows by ``--decisions`` requisitions, a rounding error next to
   ``--rows``), plus the bare cumulative query; prints p50/p95 and EXPLAIN.
   ``--rollback`` rolls each decision back instead (the method before 2026-12-04). That is
   slower than the app: psycopg prepares a statement on its 5th run on a connection and
   drops every prepared statement on a ROLLBACK of an open transaction (not on COMMIT), so
   rolled-back runs re-plan every statement of every decision.

The notifications listener is registered as the app registers it (``mall.notifications``'
``init_app``), so the statements counted per decision are those of a request. For each
decision the time spent inside the driver's ``execute`` (round trips and the server's work)
is summed too; the rest of the decision's wall time is Python.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import percentile, print_figures
from sqlalchemy import event, text
from sqlalchemy.orm import Session

import mall.models  # noqa: F401
from mall.accounts.models import Organization, User, UserRole
from mall.audit.services import add_listener
from mall.catalog.models import (
    Agreement,
    AgreementSupplier,
    Category,
    Lot,
    Offer,
    Product,
)
from mall.db import make_engine
from mall.db_cli import upgrade
from mall.notifications import services as notifications
from mall.orders.compliance.profiles import CN_CENTRAL
from mall.orders.services import facts, requisitions

ORGS, CATEGORIES, SUPPLIERS = 200, 50, 3
STATUSES = ["ordered"] * 70 + ["pending"] * 15 + ["blocked"] * 5 + ["rejected"] * 5 + \
    ["cancelled"] * 5


def reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url, "heads")


def seed(session: Session) -> tuple[list[int], list[int], dict[int, list[int]], int]:
    today = date.today()
    purchasers = [Organization(name=f"Agency {i}", kind="purchaser", region="CN-BJ",
                               status="active") for i in range(ORGS)]
    suppliers = [Organization(name=f"Supplier {i}", kind="supplier", region="CN-BJ",
                              size="small", status="active") for i in range(SUPPLIERS)]
    session.add_all(purchasers + suppliers)
    session.flush()
    buyers = [User(email=f"bench-buyer-{i}@example.org", name=f"Bench buyer {i}",
                   password_hash="x", organization=p, role_rows=[UserRole(role="buyer")])
              for i, p in enumerate(purchasers)]
    session.add_all(buyers)
    buyer = buyers[0]
    offers_by_category: dict[int, list[int]] = {}
    categories = []
    for c in range(CATEGORIES):
        category = Category(scheme="bench", code=f"B{c:03d}", path=f"/B{c:03d}/",
                            name_zh=f"类目{c}", name_en=f"Category {c}")
        session.add(category)
        session.flush()
        categories.append(category.id)
        agreement = Agreement(number=f"BENCH-{c:03d}", title=f"Bench {c}", currency="CNY",
                              starts_on=today - timedelta(days=800),
                              ends_on=today + timedelta(days=365), regions=["*"],
                              lots=[Lot(code="L1", category_id=category.id)])
        session.add(agreement)
        session.flush()
        offers_by_category[category.id] = []
        for s, supplier in enumerate(suppliers):
            session.add(AgreementSupplier(agreement_id=agreement.id, supplier_id=supplier.id))
            product = Product(category_id=category.id, brand="Bench", model=f"M{c}-{s}",
                              model_key=f"bench|m{c}-{s}")
            session.add(product)
            session.flush()
            offer = Offer(supplier_id=supplier.id, sku=f"B-{c}-{s}", agreement_id=agreement.id,
                          lot_id=agreement.lots[0].id, category_id=category.id,
                          product_id=product.id, title=f"Bench item {c}-{s}", brand="Bench",
                          model=f"M{c}-{s}", unit="pc", price=Decimal("100.00"),
                          currency="CNY", stock=10**9, lead_time_days=3, regions=["*"],
                          attributes={}, valid_until=agreement.ends_on, status="active")
            session.add(offer)
            session.flush()
            offers_by_category[category.id].append(offer.id)
    session.commit()
    return [p.id for p in purchasers], categories, offers_by_category, buyer.id


def bulk_load(url: str, rows: int, purchasers: list[int], categories: list[int],
              offers: dict[int, list[int]], buyer_id: int) -> float:
    """COPY ``rows`` requisitions and their lines; returns seconds taken."""
    import psycopg

    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    raw_url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw_url) as conn, conn.cursor() as cur:
        start_id = 1_000_000
        reqs, lines = io.StringIO(), io.StringIO()
        for n in range(rows):
            rid = start_id + n
            org, category = rng.choice(purchasers), rng.choice(categories)
            offer = rng.choice(offers[category])
            quantity = rng.randint(1, 20)
            total = Decimal(quantity * 100)
            at = (now - timedelta(seconds=rng.randint(0, 730 * 86400))).isoformat()
            status = rng.choice(STATUSES)
            route = "blocked" if status == "blocked" else "direct"
            reqs.write(f"{rid}\t{org}\t{buyer_id}\t{status}\t{route}\tcn-central\t{total}\tCNY"
                       f"\t0\t{at}\t{at}\n")
            lines.write(f"{rid}\t{rid}\t{org}\t{category}\t{offer}\t1\t1\t1\tBench\tB"
                        f"\t{quantity}\t100.00\tCNY\t{total}\t{at}\n")
        # Drop and rebuild the cumulative index around the load: faster than maintaining it.
        cur.execute("DROP INDEX IF EXISTS ix_requisition_lines_cumulative")
        with cur.copy("COPY requisitions (id, purchaser_organization_id, requester_id, status,"
                      " route, jurisdiction, total, currency, required_approvals, "
                      "price_hold_until, created_at) FROM STDIN") as copy:
            copy.write(reqs.getvalue())
        # supplier/agreement/lot ids of the bench's first offer are fine for the decision,
        # which reads only organization, category, time, amount and status.
        cur.execute("SELECT supplier_id, agreement_id, lot_id FROM offers ORDER BY id LIMIT 1")
        supplier_id, agreement_id, lot_id = cur.fetchone()
        data = lines.getvalue().replace("\t1\t1\t1\tBench",
                                        f"\t{supplier_id}\t{agreement_id}\t{lot_id}\tBench")
        with cur.copy("COPY requisition_lines (id, requisition_id, purchaser_organization_id,"
                      " category_id, offer_id, supplier_id, agreement_id, lot_id, title, sku,"
                      " quantity, unit_price, currency, line_total, created_at) FROM STDIN"
                      ) as copy:
            copy.write(data)
        cur.execute("CREATE INDEX ix_requisition_lines_cumulative ON requisition_lines "
                    "(purchaser_organization_id, category_id, created_at)")
        cur.execute(f"SELECT setval('requisitions_id_seq', {start_id + rows})")
        cur.execute(f"SELECT setval('requisition_lines_id_seq', {start_id + rows})")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE requisitions")
        cur.execute("VACUUM ANALYZE requisition_lines")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--rollback", action="store_true",
                        help="roll each decision back (re-plans every statement; the app "
                             "commits)")
    parser.add_argument("--skip-load", action="store_true",
                        help="reuse the data of a previous run")
    args = parser.parse_args()
    url = os.environ.get("MALL_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set MALL_BENCH_DATABASE_URL to a PostgreSQL database that may be emptied")

    engine = make_engine(url)
    if not args.skip_load:
        reset(url)
        with Session(engine) as session:
            purchasers, categories, offers, buyer_id = seed(session)
        seconds = bulk_load(url, args.rows, purchasers, categories, offers, buyer_id)
        print(f"loaded {args.rows:,} requisitions + {args.rows:,} lines in {seconds:.1f} s")
    with Session(engine) as session:
        purchasers = list(session.scalars(text(
            "SELECT id FROM organizations WHERE kind = 'purchaser' ORDER BY id")))
        categories = list(session.scalars(text("SELECT id FROM categories ORDER BY id")))
        offers = {c: list(session.scalars(text(
            "SELECT id FROM offers WHERE category_id = :c ORDER BY id"), {"c": c}))
            for c in categories}
        buyer_of = dict(session.execute(text(
            "SELECT organization_id, id FROM users WHERE email LIKE 'bench-buyer-%'")).all())
        counted = session.scalar(text("SELECT count(*) FROM requisition_lines"))
    print(f"requisition lines in the database: {counted:,}; each decision is "
          + ("rolled back" if args.rollback else "committed, as a request does"))

    rng = random.Random(11)
    settings = facts.Settings(jurisdiction="cn-central")
    query_ms: list[float] = []
    decision_ms: list[float] = []
    routes: dict[str, int] = {}
    counted_rows: list[int] = []
    now = datetime.now(UTC)
    since = CN_CENTRAL.window_start(now)
    statements: list[int] = []
    sql_ms: list[float] = []
    # [counting?, statements, seconds inside execute, when the current one started]
    in_decision: list[Any] = [False, 0, 0.0, 0.0]

    def count(*_: object) -> None:
        if in_decision[0]:
            in_decision[1] += 1
            in_decision[3] = time.perf_counter()

    def executed(*_: object) -> None:
        if in_decision[0]:
            in_decision[2] += time.perf_counter() - in_decision[3]

    add_listener(notifications.on_audit_event)  # as mall.notifications.init_app does
    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "after_cursor_execute", executed)
    def end(session: Session) -> None:
        if args.rollback:
            session.rollback()
        else:
            session.commit()

    for _ in range(args.decisions):
        org, category = rng.choice(purchasers), rng.choice(categories)
        with Session(engine) as session:
            started = time.perf_counter()
            earlier = facts.earlier_spend(session, org, category, since)
            query_ms.append((time.perf_counter() - started) * 1000)
            counted_rows.append(len(earlier))
            end(session)
            user = session.get(User, buyer_of[org])
            assert user is not None
            in_decision[:] = [True, 0, 0.0, 0.0]
            started = time.perf_counter()
            requisition = requisitions.create_requisition(
                session, settings, user, [(rng.choice(offers[category]), rng.randint(1, 5))])
            decision_ms.append((time.perf_counter() - started) * 1000)
            statements.append(int(in_decision[1]))
            sql_ms.append(in_decision[2] * 1000)
            in_decision[0] = False
            route = str(requisition.route)  # the plain value ("direct"), not Route.direct
            routes[route] = routes.get(route, 0) + 1
            end(session)

    print(f"cumulative query over the window: p50 {percentile(query_ms, 50):.2f} ms, "
          f"p95 {percentile(query_ms, 95):.2f} ms, p99 {percentile(query_ms, 99):.2f} ms "
          f"(earlier requisitions counted per decision: median "
          f"{statistics.median(counted_rows):.0f})")
    taken = ", ".join(f"{route} {n}" for route, n in sorted(routes.items()))
    print(f"full compliance decision ({args.decisions} runs): "
          f"p50 {percentile(decision_ms, 50):.2f} ms, p95 {percentile(decision_ms, 95):.2f} ms"
          f", p99 {percentile(decision_ms, 99):.2f} ms; routes: {taken}; "
          f"SQL statements per decision: median "
          f"{statistics.median(statements):.0f}, max {max(statements)}")
    python_ms = [total - sql for total, sql in zip(decision_ms, sql_ms, strict=True)]
    print(f"  of which inside the driver's execute: p50 {percentile(sql_ms, 50):.2f} ms, "
          f"p95 {percentile(sql_ms, 95):.2f} ms; the rest (Python): "
          f"p50 {percentile(python_ms, 50):.2f} ms, p95 {percentile(python_ms, 95):.2f} ms")
    print_figures("compliance_bench", [
        {"figure": f"compliance decision p95 ({counted:,} past lines)",
         "value": round(percentile(decision_ms, 95), 2), "unit": "ms",
         "raw": round(percentile(query_ms, 95), 2), "goal": "<= 20 ms"},
        {"figure": "SQL statements per decision", "value": statistics.median(statements),
         "unit": "", "raw": None, "goal": "reported, reduced"},
    ])
    with Session(engine) as session:
        compiled = facts.earlier_spend_query(purchasers[0], categories[0], since).compile(
            engine, compile_kwargs={"literal_binds": True})
        plan = session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars().all()
        print("EXPLAIN (ANALYZE, BUFFERS) of the cumulative query:")
        for row in plan:
            print("   ", row)


if __name__ == "__main__":
    main()
