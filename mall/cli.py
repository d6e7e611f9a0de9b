"""The ``mall`` command: Flask's CLI with each area's commands registered by create_app."""

from __future__ import annotations

from flask.cli import FlaskGroup

from mall import create_app


def main() -> None:
    cli = FlaskGroup(create_app=lambda: create_app(), help="Government e-mall administration.")
    cli.main(prog_name="mall")
