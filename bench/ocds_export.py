"""``mall ocds export`` memory and time against the number of call-offs.

    .venv/bin/python bench/ocds_export.py [--offers 2000] [--call-offs 2000,8000,32000] [--json]

Own PostgreSQL database ``mall_bench_ocds`` (override with ``MALL_BENCH_OCDS_DATABASE_URL``;
created if missing) seeded with the demo marketplace, then grown to each size in turn with
synthetic direct call-offs (one requisition, one line, one confirmed purchase order each,
bulk inserted). For each size a fresh Python process runs the export to a temporary file
and reports its peak resident memory (``ru_maxrss``), the time and the release count. A
streaming export shows about the same peak at every size; one that builds the package in
memory grows with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from common import ROOT, load_services_env, prepare_demo_database

CHILD = """
import json, resource, sys, time
from mall import create_app
from mall.config import Config
from mall.db import db
from mall.ocds import services
from sqlalchemy.orm import Session
app = create_app(Config.from_env().replace(database_url=sys.argv[1]))
with app.app_context(), Session(db.engine) as session, open(sys.argv[2], "w") as out:
    started = time.perf_counter()
    count = services.write_release_package(session, out, "ocds-bench1", "urn:bench",
                                           free_memory=True)
    seconds = time.perf_counter() - started
print(json.dumps({"releases": count, "seconds": seconds,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def grow_call_offs(db_url: str, target: int) -> int:
    """Insert synthetic direct call-offs until there are ``target`` requisitions."""
    from sqlalchemy import func, insert, select
    from sqlalchemy.orm import Session

    from mall.accounts.models import Organization, User
    from mall.catalog.models import Offer
    from mall.db import make_engine
    from mall.orders.models import OrderLine, PurchaseOrder, Requisition, RequisitionLine

    engine = make_engine(db_url)
    with Session(engine) as session:
        have = session.scalar(select(func.count()).select_from(Requisition)) or 0
        if have >= target:
            return have
        buyer = session.scalars(select(User).join(Organization).where(
            Organization.kind == "purchaser").order_by(User.id)).first()
        assert buyer is not None, "the demo data has purchasers"
        offers = session.scalars(select(Offer).where(Offer.status == "active")
                                 .order_by(Offer.id).limit(500)).all()
        now = datetime.now(UTC)
        for start in range(have, target, 1000):
            batch = range(start, min(start + 1000, target))
            picks = [offers[n % len(offers)] for n in batch]
            at = [now - timedelta(minutes=target - n) for n in batch]
            req_ids = session.scalars(insert(Requisition).returning(
                Requisition.id, sort_by_parameter_order=True), [
                {"purchaser_organization_id": buyer.organization_id, "requester_id": buyer.id,
                 "status": "ordered", "route": "direct", "jurisdiction": "cn-central",
                 "total": o.price * 2, "currency": o.currency, "required_approvals": 0,
                 "price_hold_until": t + timedelta(days=3), "created_at": t,
                 "decided_at": t} for o, t in zip(picks, at, strict=True)]).all()
            line_ids = session.scalars(insert(RequisitionLine).returning(
                RequisitionLine.id, sort_by_parameter_order=True), [
                {"requisition_id": r, "purchaser_organization_id": buyer.organization_id,
                 "category_id": o.category_id, "offer_id": o.id, "supplier_id": o.supplier_id,
                 "agreement_id": o.agreement_id, "lot_id": o.lot_id, "title": o.title,
                 "sku": o.sku, "quantity": 2, "unit_price": o.price, "currency": o.currency,
                 "line_total": o.price * 2, "created_at": t, "assignment": "chosen"}
                for r, o, t in zip(req_ids, picks, at, strict=True)]).all()
            order_ids = session.scalars(insert(PurchaseOrder).returning(
                PurchaseOrder.id, sort_by_parameter_order=True), [
                {"requisition_id": r, "purchaser_organization_id": buyer.organization_id,
                 "supplier_id": o.supplier_id, "status": "confirmed", "total": o.price * 2,
                 "currency": o.currency, "created_at": t, "updated_at": t + timedelta(hours=1)}
                for r, o, t in zip(req_ids, picks, at, strict=True)]).all()
            session.execute(insert(OrderLine), [
                {"order_id": p, "requisition_line_id": li, "offer_id": o.id,
                 "category_id": o.category_id, "title": o.title, "sku": o.sku, "quantity": 2,
                 "unit_price": o.price, "currency": o.currency,
                 "line_total": o.price * Decimal(2)}
                for p, li, o in zip(order_ids, line_ids, picks, strict=True)])
        session.commit()
        return target


def measure(db_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "releases.json")
        result = subprocess.run([sys.executable, "-c", CHILD, db_url, out], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)},
                                capture_output=True, text=True, check=True)
        figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        figures["file_mb"] = os.path.getsize(out) / 1024 / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--call-offs", default="2000,8000,32000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load_services_env()
    db_url = os.environ.get("MALL_BENCH_OCDS_DATABASE_URL",
                            "postgresql+psycopg://mall:mall@127.0.0.1:54329/mall_bench_ocds")
    prepare_demo_database(db_url, args.offers)
    rows = []
    for size in sorted(int(s) for s in args.call_offs.split(",")):
        grow_call_offs(db_url, size)
        rows.append({"call_offs": size, **measure(db_url)})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("| call-offs | releases | file MB | seconds | peak RSS MB |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['call_offs']:,} | {row['releases']:,} | {row['file_mb']:.1f} | "
              f"{row['seconds']:.1f} | {row['max_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
