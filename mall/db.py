"""Database engine and session handling: one engine per app, one session per app context."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import JSON, MetaData, Numeric, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# Stable constraint names so Alembic migrations are reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact), plain JSON elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")
# Money is always Numeric with two decimals plus a currency column, never float.
Money = Numeric(14, 2, asdecimal=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType, Decimal: Money}


def sql_values(values: type[enum.StrEnum]) -> str:
    """An enum's values as a SQL list for CHECK constraints: "'a', 'b'"."""
    return ", ".join(f"'{v.value}'" for v in values)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit
            # BEGIN itself (the recipe from SQLAlchemy's SQLite dialect docs).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    # LIFO: a request takes the connection the last one returned, whose statements psycopg
    # has prepared (on a statement's 5th run per connection). A FIFO pool rotates sequential
    # requests through every idle connection, so a statement ran 5 x 10 times before it was
    # prepared anywhere (tests/orders/test_request_connection.py).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         pool_use_lifo=True, **kwargs)


class Database:
    """Flask extension: ``db.session`` is scoped to the app context and removed at teardown.

    Each app keeps its own engine; the session binds to the current app's engine, or to
    ``bind_override`` (tests bind it to one connection whose transaction they roll back).
    """

    def __init__(self) -> None:
        self.bind_override: Connection | None = None
        # scoped_session takes any session factory (so its docs say), but SQLAlchemy's hint
        # names only sessionmaker; ours picks the bind per call.
        self.session: scoped_session[Session] = scoped_session(self._new_session)  # type: ignore[arg-type]

    def _new_session(self) -> Session:
        if self.bind_override is not None:
            return Session(bind=self.bind_override, expire_on_commit=False,
                           join_transaction_mode="create_savepoint")
        return Session(bind=self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        app.extensions["mall.db"] = make_engine(app.config["MALL"].database_url)

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            self.session.remove()

    @property
    def engine(self) -> Engine:
        return cast(Engine, current_app.extensions["mall.db"])  # set in init_app


db = Database()


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit on success, roll back on any error, so a failure halfway leaves nothing behind."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
