"""The database part of a backup: ``pg_dump`` / ``pg_restore`` for PostgreSQL (custom format,
one consistent snapshot), the online backup API for SQLite (a page-by-page copy that other
connections may keep writing during)."""

import os
import sqlite3
import subprocess
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Engine

from microventure.core.errors import DomainError

FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite"}


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client tools (without the password, which goes in
    PGPASSWORD so that it is not on a command line), and their environment."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(arguments: list[str], env: dict[str, str]) -> None:
    try:
        finished = subprocess.run(arguments, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DomainError(
            _l(
                "%(tool)s is not installed: install the PostgreSQL client tools "
                "(apt install postgresql-client).",
                tool=arguments[0],
            )
        ) from None
    if finished.returncode != 0:
        raise DomainError(
            _l("%(tool)s failed: %(error)s", tool=arguments[0], error=finished.stderr.strip())
        )


def dump(engine: Engine, folder: Path) -> Path:
    """Write the database into ``folder``; the file's path."""
    target = folder / FILES[engine.dialect.name]
    if engine.dialect.name == "postgresql":
        uri, env = _libpq(engine)
        _run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={uri}"], env)
        return target
    with engine.connect() as connection:
        live = connection.connection.driver_connection
        copy = sqlite3.connect(target)
        try:
            live.backup(copy)
        finally:
            copy.close()
    return target


def load(engine: Engine, path: Path) -> None:
    """Fill the (empty) database from a dump made by ``dump``: all of it or nothing."""
    if engine.dialect.name == "postgresql":
        uri, env = _libpq(engine)
        # objects owned by whoever restores, without the old server's grants: the new server's
        # role need not be the same
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        _run(["pg_restore", *options, f"--dbname={uri}", str(path)], env)
    else:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            with engine.connect() as connection:
                source.backup(connection.connection.driver_connection)
        finally:
            source.close()
    engine.dispose()  # no pooled connection keeps the old (empty) schema's view
