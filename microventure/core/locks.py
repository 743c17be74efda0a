"""Row locks: the one way a service locks a row, safe whatever loader options its object carries.

A request loads its objects with joined eager loads (``LEFT OUTER JOIN``); PostgreSQL refuses
``FOR UPDATE`` on the nullable side of an outer join, so a lock must name its own table alone:
``FOR UPDATE OF <table>``. SQLite has no row locks; it serialises writers instead.
"""

from typing import TypeVar

from sqlalchemy import inspect, select

from microventure.extensions import db

M = TypeVar("M")


def locked(model: type[M], id: int) -> M | None:
    """Load the row of ``model`` with ``id`` and lock it until the transaction ends. An object of
    that row already in the session is reloaded as committed (another request may have moved it
    while this one waited for the lock)."""
    return db.session.scalar(
        select(model)
        .where(inspect(model).primary_key[0] == id)
        .with_for_update(of=model)
        .execution_options(populate_existing=True)
    )


def lock(obj: object) -> None:
    """Lock the row of an object the session holds and reload its columns as committed."""
    db.session.flush()
    locked(type(obj), inspect(obj).identity[0])
