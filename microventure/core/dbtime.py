"""The database's clock as an SQL expression, for timestamps that several hosts compare."""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from microventure.core.models import UTCDateTime


class _DatabaseNow(FunctionElement):
    """The database server's clock plus an offset in seconds (see ``db_now``)."""

    type = UTCDateTime()
    inherit_cache = True


def db_now(offset_seconds: float = 0) -> _DatabaseNow:
    """The database's clock (+ ``offset_seconds``) as an SQL expression. Timestamps that several
    hosts compare — when a notification is due, how old a claim is — are written and compared
    with it, so a web host and a worker whose clocks disagree still agree on what is due."""
    return _DatabaseNow(sa.literal(float(offset_seconds), sa.Float()))


@compiles(_DatabaseNow)
def _now_postgresql(element, compiler, **kw) -> str:
    (offset,) = element.clauses
    return f"(now() + make_interval(secs => {compiler.process(offset, **kw)}))"


@compiles(_DatabaseNow, "sqlite")
def _now_sqlite(element, compiler, **kw) -> str:
    # SQLAlchemy stores SQLite timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC; this sorts
    # with them (SQLite's clock gives milliseconds).
    (offset,) = element.clauses
    return f"strftime('%Y-%m-%d %H:%M:%f', 'now', ({compiler.process(offset, **kw)}) || ' seconds')"
