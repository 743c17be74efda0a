"""The migration revision a database is at, and the revisions this code knows."""

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection


def scripts() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"].migrate
    return ScriptDirectory.from_config(migrate.get_config())


def head() -> str:
    return scripts().get_current_head()


def is_known(revision: str) -> bool:
    """True when this code's migrations include ``revision`` (an older or the current schema)."""
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:  # alembic's "no such revision"
        return False


def revision_of(connection: Connection) -> str | None:
    """The revision the database is at; None when it has no schema."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def table_names(connection: Connection) -> list[str]:
    return inspect(connection).get_table_names()
