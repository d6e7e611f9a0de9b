"""``mall ocds export --out FILE``: every release as one release package, streamed."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from mall.db import db
from mall.ocds import services


@click.group("ocds", help="Open contracting data (OCDS 1.1).")
def ocds() -> None:
    pass


@ocds.command("export", help="Write a release package of every published contracting "
                             "process (framework agreements and call-offs) to FILE.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The file to write ('-' for standard output).")
@click.option("--uri", default="", help="The package's uri, where it will be published "
                                        "(default: the file's file:// URI).")
@with_appcontext
def export(out: str, uri: str) -> None:
    prefix = current_app.config["MALL"].ocds_prefix
    # A session of its own, so its identity map can be emptied after every batch (bound to
    # the tests' connection when they hold one, like db.session).
    bind = db.bind_override if db.bind_override is not None else db.engine
    with Session(bind=bind, join_transaction_mode="create_savepoint") as session:
        if out == "-":
            count = services.write_release_package(session, sys.stdout, prefix,
                                                   uri or "urn:stdout", free_memory=True)
        else:
            path = Path(out)
            partial = path.with_name(path.name + ".partial")
            with partial.open("w", encoding="utf-8") as handle:
                count = services.write_release_package(
                    session, handle, prefix, uri or path.resolve().as_uri(), free_memory=True)
            partial.replace(path)  # never a half-written package under the real name
    if out != "-":
        click.echo(f"{count} releases written to {out}")
