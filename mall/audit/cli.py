from __future__ import annotations

import click
from flask.cli import with_appcontext

from mall.audit.services import verify_chain
from mall.db import db


@click.group("audit", help="The append-only audit trail.")
def audit() -> None:
    pass


@audit.command("verify", help="Recompute the hash chain; exit 1 if any row was edited or "
                              "deleted.")
@with_appcontext
def verify() -> None:
    breaks = list(verify_chain(db.session()))
    for item in breaks:
        click.echo(f"event {item.event_id}: {item.problem}")
    if breaks:
        raise SystemExit(1)
    click.echo("audit chain intact")
