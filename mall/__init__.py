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
        # The backstop; each view declares its own limit (mall.http.accepts_body), checked first.
        MAX_CONTENT_LENGTH=1024 * 1024 * 1024,  # supplier feeds up to 1,000,000 rows
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.https,
        # A session cookie is refused this long after it was last signed, and CSRF tokens
        # expire with it.
        PERMANENT_SESSION_LIFETIME=config.session_lifetime_seconds,
        WTF_CSRF_TIME_LIMIT=config.session_lifetime_seconds,
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
    from mall.payments import cancellation
    cancellation.init_app(app)  # a cancelled paid order is refunded, or refused
    from mall import evaluation
    evaluation.init_app(app)  # best-value competitions are ranked by the expert panel
    from mall import joint
    joint.init_app(app)  # joint purchases are a competition subject; pages show campaigns
    from mall import notifications
    notifications.init_app(app)  # the inbox: audit events become notifications

    from mall import i18n, labels, timezones
    from mall.errors import register_error_handlers
    from mall.http import register_request_hooks

    register_error_handlers(app)
    i18n.init_app(app)  # one language at a time; templates call _()
    timezones.init_app(app)
    labels.init_app(app)  # the `label` filter: words for status, size and region codes
    register_request_hooks(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


# Every area that serves HTTP: its ``views`` module holds the JSON blueprint ``api``, its
# ``pages`` module the HTML blueprint ``pages``.
API_AREAS = ("accounts", "audit", "catalog", "evaluation", "health", "home", "joint",
             "notifications", "ocds", "openapi", "orders", "payments", "search", "standards")
PAGE_AREAS = ("accounts", "catalog", "center", "evaluation", "home", "images", "joint",
              "notifications", "orders", "payments", "punchout", "search", "standards")


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from mall.extensions import csrf

    for area in API_AREAS:
        blueprint = import_module(f"mall.{area}.views").api
        # The JSON API authenticates with bearer tokens, never cookies, so CSRF does not apply.
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint)
    for area in PAGE_AREAS:
        app.register_blueprint(import_module(f"mall.{area}.pages").pages)


def _register_commands(app: Flask) -> None:
    from mall.accounts.cli import admin
    from mall.audit.cli import audit
    from mall.db_cli import db_group
    from mall.demo.cli import seed_demo
    from mall.jobs.cli import worker
    from mall.ocds.cli import ocds
    from mall.punchout.cli import punchout

    for command in (admin, audit, db_group, ocds, seed_demo, punchout, worker):
        app.cli.add_command(command)
