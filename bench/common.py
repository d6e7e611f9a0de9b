"""What the benchmarks share: service addresses, a seeded bench database, percentiles."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def load_services_env() -> None:
    """Take MALL_* addresses from var/services.env (written by `make services`)."""
    env_file = ROOT / "var" / "services.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.startswith("MALL_") and name not in os.environ:
                os.environ[name] = value


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile, ``pct`` in 0–100."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ensure_database(db_url: str) -> None:
    """Create the PostgreSQL database ``db_url`` names unless it exists."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": url.database}).scalar():
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def prepare_demo_database(
    db_url: str,
    offers: int,
    demo_offers: int | None = None,
    grow: Callable[[Any, int], None] | None = None,
) -> dict[str, Any]:
    """Create, migrate and seed a PostgreSQL bench database unless it holds ``offers``.

    The demo seeder makes ``demo_offers`` distinct offers (default: all of them); ``grow``
    then extends the table to ``offers`` rows.
    """
    from sqlalchemy import func, select, text
    from sqlalchemy.orm import Session

    from mall.catalog.models import Offer
    from mall.db import make_engine
    from mall.db_cli import upgrade
    from mall.demo.seed import seed_demo

    ensure_database(db_url)
    engine = make_engine(db_url)
    try:
        upgrade(db_url)  # a database seeded by an older checkout gets the new columns
        with Session(engine) as session:
            have = session.scalar(select(func.count()).select_from(Offer))
    except Exception:  # no schema yet, or one migrations cannot bring up: start again
        have = None
    if have == offers:
        return {"seeded": False, "offers": have}
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(db_url)
    started = time.perf_counter()
    base = min(offers, demo_offers or offers)
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, offers=base, today=date.today())
    if offers > base and grow is not None:
        grow(engine, offers)
    return {"seeded": True, "offers": offers, "demo_offers": base,
            "seed_seconds": time.perf_counter() - started}


FIGURES_PREFIX = "FIGURES "


def print_figures(bench: str, figures: list[dict[str, Any]]) -> None:
    """One machine-readable line for ``bench/run_all.py``: ``FIGURES {json}``.

    Each figure: ``{"figure", "value", "unit", "raw" (the baseline measured in the same run,
    or None), "goal" (text such as "<= 100 ms", or None)}``; ``ratio`` is value / raw.
    """
    import json

    for figure in figures:
        raw = figure.get("raw")
        figure.setdefault("goal", None)
        figure["ratio"] = round(figure["value"] / raw, 3) if raw else None
    print(FIGURES_PREFIX + json.dumps({"bench": bench, "figures": figures},
                                      ensure_ascii=False), flush=True)


def index_for_bench(db_url: str, os_url: str, alias: str, reuse: bool) -> int:
    """Documents behind ``alias``: rebuilt from the bench database, or (``reuse``) the index
    an earlier run left there counted as it is (a rebuild at 1,000,000 offers takes ~16 min)."""
    from sqlalchemy.orm import Session

    from indexer.rebuild import rebuild
    from mall.db import make_engine
    from mall.search.client import make_client

    client = make_client(os_url, timeout=120)
    if reuse:
        return int(client.count(index=alias)["count"])
    with Session(make_engine(db_url)) as session:
        return rebuild(client, session, alias, date.today()).documents
