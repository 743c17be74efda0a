"""Engine set-up per dialect: SQLite gets foreign keys and real transactions (for SAVEPOINTs).

In WAL mode a transaction that read and then writes fails at once ("database is locked",
whatever the busy timeout) when another connection committed after its first read: SQLite
cannot move its snapshot forward. So a transaction that may write takes the write lock when it
begins (``BEGIN IMMEDIATE``) and waits its turn: that is every transaction a request other than
GET, HEAD or OPTIONS begins once the app's own checks (the rate limiter, which may wait on a
hung broker; the login) have run — what they read is committed first, so the lock is held for
the view's work only. Safe requests, workers and commands begin as before (a delivery's first
statement is its claim, a write, so it waits its turn too)."""

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from microventure.extensions import db


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so SAVEPOINTs and DDL are transactional.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL: readers do not block a writer's commit (the outbox delivers in its own session)
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN" if _reads_only() else "BEGIN IMMEDIATE")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _reads_only() -> bool:
    return not (has_request_context() and g.get("writes_from_here"))


def _writes_from_here() -> None:
    """Registered after the limiter's and the login's hooks: from here on, a request that may
    write takes the write lock when its transaction begins."""
    if request.method not in SAFE_METHODS:
        if db.session().in_transaction():
            db.session.commit()  # what the checks before read (and any hook wrote)
        g.writes_from_here = True


def init_app(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
            app.before_request(_writes_from_here)
