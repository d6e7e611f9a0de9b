"""Government procurement e-marketplace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from mall.config import Config


def create_app(config: Config | None = None, **overrides: Any) -> Flask:
    """Application factory: configuration is read once here, extensions bound here."""
    config = config or Config.from_env()
    if overrides:
        config = config.replace(**overrides)

    app = Flask(__name__)
    app.config.update(
        MALL=config,
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=200 * 1024 * 1024,  # supplier feeds up to 100,000 rows
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    from mall.accounts.permissions import login_manager_loader
    from mall.extensions import csrf, db, login_manager, search_backend
    from mall.payments import gateway

    db.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(login_manager_loader)
    csrf.init_app(app)
    search_backend.init_app(app)
    gateway.init_app(app)

    from mall.errors import register_error_handlers

    register_error_handlers(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from mall.accounts import views as accounts
    from mall.audit import views as audit
    from mall.catalog import pages as catalog_pages
    from mall.catalog import views as catalog
    from mall.extensions import csrf
    from mall.health.views import bp as health
    from mall.home.views import bp as home
    from mall.openapi.views import bp as openapi
    from mall.orders import pages as order_pages
    from mall.orders import views as orders
    from mall.payments import views as payments
    from mall.search import views as search

    for blueprint in (accounts.api, audit.api, catalog.api, orders.api, payments.api,
                      search.api):
        # The JSON API authenticates with bearer tokens, never cookies, so CSRF does not apply.
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    for blueprint in (accounts.pages, catalog_pages.bp, catalog_pages.center, order_pages.bp,
                      search.pages, health, home, openapi):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from mall.accounts.cli import admin
    from mall.audit.cli import audit
    from mall.db_cli import db_group
    from mall.demo.cli import seed_demo

    for command in (admin, audit, db_group, seed_demo):
        app.cli.add_command(command)
