"""``mall punchout set-identity``: give a purchaser organization its cXML identity and secret."""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mall.accounts.models import Organization
from mall.db import db
from mall.errors import ApiError
from mall.punchout import services


@click.group("punchout", help="cXML punch-out identities of purchaser organizations.")
def punchout() -> None:
    pass


@punchout.command("set-identity")
@click.option("--organization", "organization_ref", required=True,
              help="The purchaser organization's id or exact name.")
@click.option("--identity", required=True,
              help="What its purchasing system sends as Header/From/Credential/Identity.")
@click.option("--secret", default=None,
              help="The shared secret; a random one is made and printed when omitted.")
@with_appcontext
def set_identity(organization_ref: str, identity: str, secret: str | None) -> None:
    session = db.session()
    query = select(Organization).where(
        Organization.id == int(organization_ref) if organization_ref.isdigit()
        else Organization.name == organization_ref)
    organization = session.scalar(query)
    if organization is None:
        raise click.ClickException(f"No organization {organization_ref!r}.")
    generated = secret is None
    secret = secret or secrets.token_urlsafe(24)
    try:
        services.set_identity(session, organization, identity, secret)
        session.commit()
    except ApiError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"punch-out identity {identity!r} set for {organization.name} "
               f"(id {organization.id})")
    if generated:
        click.echo(f"shared secret (shown once, only its hash is stored): {secret}")
