"""``mall db``: schema migrations through Alembic."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import with_appcontext

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@click.group("db", help="Database schema migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply migrations up to REVISION (default: head).")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str) -> None:
    upgrade(current_app.config["MALL"].database_url, revision)
    click.echo(f"database at {revision}")


@db_group.command("check", help="Fail if the models differ from the migrations.")
@with_appcontext
def check_command() -> None:
    command.check(alembic_config(current_app.config["MALL"].database_url))


@db_group.command("current", help="Show the applied revision.")
@with_appcontext
def current_command() -> None:
    command.current(alembic_config(current_app.config["MALL"].database_url))
