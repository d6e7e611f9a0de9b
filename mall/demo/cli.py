"""``mall seed-demo``: fill an empty database with the deterministic demo marketplace."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from mall.db import db
from mall.demo import data
from mall.demo.seed import DemoDataExists, demo_logins
from mall.demo.seed import seed_demo as seed


@click.command("seed-demo", help="Seed demo organizations, users, agreements and offers into "
                                 "an empty database (does nothing when it has data).")
@click.option("--offers", default=5000, show_default=True,
              type=click.IntRange(min=0, max=10_000_000),
              help="How many offers to generate; past 5,000 they come from a long tail of "
                   "brands and models, written with COPY on PostgreSQL.")
@with_appcontext
def seed_demo(offers: int) -> None:
    session = db.session()
    started = time.perf_counter()
    try:
        with click.progressbar(length=offers, label="offers", show_pos=True,
                               file=sys.stderr) as bar:
            report = seed(session, offers=offers, progress=bar.update)
    except DemoDataExists:
        click.echo("database already has data; nothing seeded")
        return
    elapsed = time.perf_counter() - started
    for name, count in report.as_dict().items():
        click.echo(f"{name.replace('_', ' '):>20}: {count}")
    click.echo(f"seeded in {elapsed:.1f}s; every demo user's password is {data.DEMO_PASSWORD}")
    for user in demo_logins():
        if user.email.startswith(("admin@", "auditor@", "buyer@mof.", "approver@mof.",
                                  "sales@zkht.")):
            click.echo(f"  {user.email:<28} {', '.join(user.roles)}")
    click.echo("  (buyer@, approver@, approver2@, finance@<purchaser>.example; "
               "sales@<supplier>.example)")
    click.echo("rebuild the search index now (mall-indexer rebuild) to make the offers findable")
