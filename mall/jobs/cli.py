"""``mall worker``: the one long-running background process."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("worker", help="Drain the outbox, run queued jobs and periodic work until "
                              "stopped (SIGTERM or Ctrl-C); safe to run several at once.")
@click.option("--once", is_flag=True, help="Do what is due now, then exit (for cron and tests).")
@with_appcontext
def worker(once: bool) -> None:
    from mall.jobs.worker import run_worker

    run_worker(once=once)
