"""``mall-indexer``: rebuild, sync, refresh-prices, expire, verify, status, ensure."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import TextIO

import click
from flask import Flask

from mall import create_app
from mall.config import Config
from mall.db import db
from mall.search.client import make_client


def _context() -> tuple[Flask, Config]:
    app = create_app()
    config: Config = app.config["MALL"]
    return app, config


def progress_printer(stream: TextIO | None = None,
                     every: float = 2.0) -> Callable[[int, int], None]:
    """A bar with rate and ETA on a terminal; a plain log line every few seconds otherwise."""
    out = stream or sys.stderr
    started = time.monotonic()
    tty = out.isatty()
    last_line = [float("-inf")]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        elapsed = max(now - started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate and total >= done else 0
        line = f"{done}/{total} documents, {rate:,.0f} docs/s, ETA {eta:,.0f}s"
        finished = done >= total
        if tty:
            width = 30
            filled = min(width, int(width * done / total)) if total else width
            out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {line}")
            if finished:
                out.write("\n")
        elif finished or now - last_line[0] >= every:
            out.write(f"rebuild: {line}\n")
            last_line[0] = now
        out.flush()

    return show


@click.group(help="Keep the OpenSearch index identical to the database.")
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
def cli(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command(help="Full rebuild into a new index, then atomic alias swap.")
@click.option("--in-flight", type=click.IntRange(min=0), default=None,
              help="Bulk requests at once (default MALL_INDEXER_BULK_IN_FLIGHT, else the "
                   "node's write thread pool, at least 2).")
@click.option("--shards", type=click.IntRange(min=0), default=0,
              help="Primary shards of the new index (default: as many as the live index).")
def rebuild(in_flight: int | None, shards: int) -> None:
    from indexer.locks import RebuildInProgress
    from indexer.rebuild import rebuild as run_rebuild

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=60)
    with app.app_context():
        try:
            result = run_rebuild(
                client, db.session(), config.search_alias, date.today(),
                progress=progress_printer(),
                in_flight=config.indexer_bulk_in_flight if in_flight is None else in_flight,
                shards=shards)
        except RebuildInProgress as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"rebuilt {result.index} with {result.documents} documents "
               f"(+{result.replayed} replayed); alias {config.search_alias} swapped from "
               f"{', '.join(result.previous) or 'nothing'}")


@cli.command(help="Drain the outbox into the index.")
@click.option("--watch", is_flag=True, help="Keep running, polling for new events.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--batch", default=500, show_default=True, help="Events per bulk request.")
@click.option("--expire-every", default=300.0, show_default=True,
              help="With --watch: seconds between expiry runs (0: never).")
@click.option("--max-failures", default=None, type=int,
              help="Give up after this many consecutive failures (default: never with "
                   "--watch, 8 without).")
def sync(watch: bool, interval: float, batch: int, expire_every: float,
         max_failures: int | None) -> None:
    from indexer.expiry import expire
    from indexer.sync import SyncBatch, run

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=30)

    def report(b: SyncBatch) -> None:
        click.echo(f"synced {b.events} events: {b.indexed} indexed, {b.deleted} deleted, "
                   f"{b.stale} superseded, {b.deferred} deferred, {b.rejected} rejected")

    def on_retry(failures: int, delay: float, exc: BaseException) -> None:
        click.echo(f"OpenSearch unavailable ({type(exc).__name__}); retry {failures} "
                   f"in {delay:.1f}s", err=True)

    with app.app_context():
        session = db.session()
        periodic = []
        if watch and expire_every > 0:
            periodic.append((expire_every, lambda: expire(session, date.today())))
        try:
            total = run(client, session, config.search_alias, date.today, watch=watch,
                        interval=interval, limit=batch, periodic=periodic,
                        on_batch=report if watch else None, on_retry=on_retry,
                        max_failures=max_failures if max_failures or watch else 8)
        except KeyboardInterrupt:
            return
        except Exception as exc:
            raise click.ClickException(f"sync gave up: {exc}") from exc
        if not watch:
            report(total)


@cli.command("refresh-prices", help="Pull configured supplier feeds (MALL_FEED_SOURCES) and "
                                    "apply their price and stock changes.")
def refresh_prices() -> None:
    from indexer.refresh import FeedSourceError, parse_sources
    from indexer.refresh import refresh_prices as run_refresh

    app, config = _context()
    try:
        sources = parse_sources(config.feed_sources)
    except FeedSourceError as exc:
        raise click.ClickException(str(exc)) from exc
    if not sources:
        click.echo("no feed sources configured (MALL_FEED_SOURCES)")
        return
    with app.app_context():
        outcomes = run_refresh(db.session(), sources)
    for outcome in outcomes:
        click.echo(outcome.line())
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(outcomes)} feed sources failed")


@cli.command(help="Expire active offers whose valid_until passed (they leave the index).")
def expire() -> None:
    from indexer.expiry import expire as run_expire

    app, _config = _context()
    with app.app_context():
        count = run_expire(db.session(), date.today())
    click.echo(f"expired {count} offers")


@cli.command(help="Compare database and index; non-zero exit on drift.")
@click.option("--repair", is_flag=True, help="Rewrite every drifted document.")
def verify(repair: bool) -> None:
    from indexer.verify import NoIndex
    from indexer.verify import repair as run_repair
    from indexer.verify import verify as run_verify

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=60)
    with app.app_context():
        session = db.session()
        try:
            drift = run_verify(client, session, config.search_alias, date.today())
        except NoIndex as exc:
            raise click.ClickException(str(exc)) from exc
        for line in drift.lines():
            click.echo(line)
        if drift.clean:
            return
        if not repair:
            sys.exit(1)
        fixed = run_repair(client, session, config.search_alias, drift, date.today())
        after = run_verify(client, session, config.search_alias, date.today())
        click.echo(f"repaired {fixed} offers; now: {after.lines()[0]}")
        if not after.clean:
            for line in after.lines()[1:]:
                click.echo(line)
            sys.exit(1)


@cli.command(help="Outbox backlog, oldest pending age and change-to-indexed lag.")
@click.option("--recent", default=200, show_default=True,
              help="Processed events the lag figures cover.")
def status(recent: int) -> None:
    from indexer.status import status as read_status

    app, _config = _context()
    with app.app_context():
        for line in read_status(db.session(), recent).lines():
            click.echo(line)


@cli.command(help="Build the index if it is missing or has an older mapping; else sync.")
def ensure() -> None:
    from indexer.rebuild import current_mapping_version
    from indexer.rebuild import rebuild as run_rebuild
    from indexer.sync import drain
    from mall.search.index import MAPPING_VERSION

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=60)
    with app.app_context():
        version = current_mapping_version(client, config.search_alias)
        if version == MAPPING_VERSION:
            synced = drain(client, db.session(), config.search_alias, date.today())
            click.echo(f"index is current (mapping v{version}); synced {synced.events} events")
            return
        built = run_rebuild(client, db.session(), config.search_alias, date.today(),
                            progress=progress_printer(),
                            in_flight=config.indexer_bulk_in_flight)
        click.echo(f"built {built.index} with {built.documents} documents")


def main() -> None:
    cli(prog_name="mall-indexer")
