"""``mall worker``: the one long-running background process."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from flask.cli import with_appcontext


@click.command("worker", help="Drain the outbox, run queued jobs and periodic work until "
                              "stopped (SIGTERM or Ctrl-C); safe to run several at once.")
@click.option("--once", is_flag=True, help="Do what is due now, then exit (for cron and tests).")
@click.option("--poll", default=0.5, show_default=True, envvar="MALL_WORKER_POLL_SECONDS",
              type=click.FloatRange(min=0.05), help="Seconds between rounds when idle.")
@click.option("--lease", default=60, show_default=True, envvar="MALL_WORKER_LEASE_SECONDS",
              type=click.IntRange(min=1),
              help="Seconds a job stays claimed without a heartbeat before another worker "
                   "may take it over.")
@with_appcontext
def worker(once: bool, poll: float, lease: int) -> None:
    from mall.jobs.worker import run_worker

    logging.getLogger("mall").setLevel(logging.INFO)
    run_worker(once=once, poll_seconds=poll, lease=timedelta(seconds=lease))
