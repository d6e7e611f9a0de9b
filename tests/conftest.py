"""Fixtures against the real services started by ``make services``.

- PostgreSQL (``MALL_TEST_DATABASE_URL``): the schema is built once by Alembic; every test
  runs inside a transaction with a savepoint, rolled back at the end.
- OpenSearch (``MALL_OPENSEARCH_URL``): each test module gets a fresh index behind its own
  alias, deleted afterwards.
- localstripe (``MALL_STRIPE_API_BASE``).
- the local SMTP server (``MALL_SMTP_URL``), which keeps what it receives in a Maildir
  (``MALL_SMTP_MAILDIR``): the ``mailbox`` fixture reads it.

``MALL_TEST_DATABASE_URL=sqlite:///...`` runs the suite on SQLite; tests marked
``postgres_only`` are then skipped (``make test`` runs the ``smoke`` subset that way).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from opensearchpy import OpenSearch
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent


def _load_services_env() -> None:
    env_file = ROOT / "var" / "services.env"
    if not env_file.exists():
        return
    for line in env_file.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.startswith("MALL_") and name not in os.environ:
            os.environ[name] = value


_load_services_env()

from mall import create_app  # noqa: E402
from mall.config import Config  # noqa: E402
from mall.db import db, make_engine  # noqa: E402
from mall.db_cli import upgrade  # noqa: E402
from mall.search.client import make_client  # noqa: E402
from mall.search.index import index_body  # noqa: E402
from tests.support import index_offers, rolled_back_session  # noqa: E402,F401

# Every JSON answer of the API in any test is checked against the OpenAPI document.
pytest_plugins = ["tests.openapi_contract"]

TEST_DATABASE_URL = os.environ.get("MALL_TEST_DATABASE_URL", "")
OPENSEARCH_URL = os.environ.get("MALL_OPENSEARCH_URL", "http://127.0.0.1:9200")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if TEST_DATABASE_URL.startswith("sqlite"):
        skip = pytest.mark.skip(reason="needs PostgreSQL (row locks, real concurrency)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


def _reset_database(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            tables = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='table'").scalars().all()
            for table in tables:
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')


@pytest.fixture(scope="session")
def database_url() -> str:
    if not TEST_DATABASE_URL:
        pytest.exit("MALL_TEST_DATABASE_URL is not set: run `make services` (or `make test`) "
                    "first, which writes var/services.env", returncode=3)
    return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    """The test database, emptied and migrated to head by Alembic once per run."""
    engine = make_engine(database_url)
    _reset_database(engine)
    upgrade(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def base_config(database_url: str) -> Config:
    return Config.from_env().replace(
        database_url=database_url,
        opensearch_url=OPENSEARCH_URL,
        search_alias=f"mall-test-{uuid.uuid4().hex[:8]}",
        secret_key="test-secret-key",
        testing=True,
        # Tests roll their categories back; a cached scope would outlive them.
        attribute_cache_seconds=0,
    )


@pytest.fixture(scope="session")
def app(base_config: Config, db_engine: Engine) -> Flask:
    app = create_app(base_config)
    app.config["WTF_CSRF_ENABLED"] = False  # enabled explicitly by the CSRF tests
    return app


@pytest.fixture
def db_session(app: Flask, db_engine: Engine) -> Iterator[Session]:
    """A session rolled back after the test; the app's ``db.session`` is the same session."""
    with rolled_back_session(app, db_engine) as session:
        yield session


@pytest.fixture
def committed_db(app: Flask, db_engine: Engine) -> Iterator[Engine]:
    """For tests that need real commits (concurrency, separate connections).

    Every table is emptied afterwards.
    """
    db.session.remove()
    try:
        with app.app_context():
            yield db_engine
    finally:
        db.session.remove()
        from mall.db import Base

        with db_engine.begin() as connection:
            if db_engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def opensearch() -> OpenSearch:
    client = make_client(OPENSEARCH_URL, timeout=30)
    try:
        client.cluster.health(wait_for_status="yellow")
    except Exception as exc:  # the suite needs the real node; say so plainly
        pytest.exit(f"OpenSearch at {OPENSEARCH_URL} is not reachable ({exc}); run "
                    "`make services`", returncode=3)
    return client


@pytest.fixture(scope="module")
def search_index(app: Flask, opensearch: OpenSearch) -> Iterator[str]:
    """A fresh index for this test module, behind the app's alias; deleted afterwards."""
    yield from fresh_index(app, opensearch)


def fresh_index(app: Flask, opensearch: OpenSearch) -> Iterator[str]:
    """Create an empty index behind the app's alias (dropping the old one), yield the alias,
    delete the index afterwards."""
    alias = app.config["MALL"].search_alias
    name = f"{alias}-{uuid.uuid4().hex[:8]}"
    try:
        existing = list(opensearch.indices.get_alias(name=alias).keys())
    except Exception:
        existing = []
    for old in existing:
        opensearch.indices.delete(index=old, ignore_unavailable=True)
    opensearch.indices.create(index=name, body=index_body())
    opensearch.indices.put_alias(index=name, name=alias)
    yield alias
    opensearch.indices.delete(index=name, ignore_unavailable=True)


@pytest.fixture
def stripe_api_base() -> str:
    base = os.environ.get("MALL_STRIPE_API_BASE")
    if not base:
        pytest.exit("MALL_STRIPE_API_BASE is not set: run `make services`", returncode=3)
    return base


@pytest.fixture
def live_server(app: Flask, committed_db: Engine) -> Iterator[str]:
    """The app served over real HTTP on a free loopback port, for browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def smtp_maildir(base_config: Config) -> Path:
    """The real local SMTP server's Maildir (``make services`` starts the server)."""
    import smtplib

    maildir = os.environ.get("MALL_SMTP_MAILDIR", "")
    if not base_config.smtp_url or not maildir:
        pytest.exit("MALL_SMTP_URL and MALL_SMTP_MAILDIR are not set: run `make services` "
                    "(or `make test`), which starts the local SMTP server", returncode=3)
    from mall.notifications.mail import SmtpServer

    try:
        SmtpServer.from_url(base_config.smtp_url).connect(timeout=5).quit()
    except (OSError, smtplib.SMTPException) as exc:
        pytest.exit(f"the SMTP server at {base_config.smtp_url} is not reachable ({exc}); "
                    "run `make services`", returncode=3)
    return Path(maildir)
