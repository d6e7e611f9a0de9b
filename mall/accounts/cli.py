from __future__ import annotations

import click
from flask.cli import with_appcontext

from mall.accounts import services
from mall.db import db
from mall.errors import ApiError


@click.group("admin", help="Center administrators.")
def admin() -> None:
    pass


@admin.command("create", help="Bootstrap a center admin.")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--name", default="Center administrator", show_default=True)
@with_appcontext
def create(email: str, password: str, name: str) -> None:
    session = db.session()
    try:
        user = services.create_center_admin(session, email, password, name)
        session.commit()
    except ApiError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"created center admin {user.email} (id {user.id})")
