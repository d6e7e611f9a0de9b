"""``mall-indexer``: rebuild, sync, refresh-prices, verify, status."""

from __future__ import annotations

import sys
import time
from datetime import date

import click

from mall import create_app
from mall.db import db
from mall.search.client import make_client


def _context():  # type: ignore[no-untyped-def]
    app = create_app()
    return app, app.config["MALL"]


def _progress_printer() -> callable:  # type: ignore[valid-type]
    started = time.monotonic()
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate and total >= done else 0
        line = f"{done}/{total} documents, {rate:,.0f} docs/s, ETA {eta:,.0f}s"
        if tty:
            width = 30
            filled = int(width * done / total) if total else width
            click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {line}", nl=False, err=True)
            if done >= total:
                click.echo(err=True)
        else:
            click.echo(line, err=True)

    return show


@click.group(help="Keep the OpenSearch index identical to the database.")
def cli() -> None:
    pass


@cli.command(help="Full rebuild into a new index, then atomic alias swap.")
def rebuild() -> None:
    from indexer.rebuild import rebuild as run_rebuild

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=60)
    with app.app_context():
        result = run_rebuild(client, db.session(), config.search_alias, date.today(),
                             progress=_progress_printer())
    click.echo(f"rebuilt {result.index} with {result.documents} documents; alias "
               f"{config.search_alias} swapped from {result.previous or 'nothing'}")


@cli.command(help="Drain the outbox into the index.")
@click.option("--watch", is_flag=True, help="Keep running, polling for new events.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
def sync(watch: bool, interval: float) -> None:
    from indexer.sync import drain

    app, config = _context()
    client = make_client(config.opensearch_url, timeout=30)
    with app.app_context():
        while True:
            result = drain(client, db.session(), config.search_alias, date.today())
            if result.events or not watch:
                click.echo(f"synced {result.events} events: {result.indexed} indexed, "
                           f"{result.deleted} deleted")
            if not watch:
                return
            time.sleep(interval)


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
            result = drain(client, db.session(), config.search_alias, date.today())
            click.echo(f"index is current (mapping v{version}); synced {result.events} events")
            return
        result = run_rebuild(client, db.session(), config.search_alias, date.today(),
                             progress=_progress_printer())
        click.echo(f"built {result.index} with {result.documents} documents")


def main() -> None:
    cli(prog_name="mall-indexer")
