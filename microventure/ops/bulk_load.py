"""Rows written in bulk for the benchmark data (``flask bench seed``, bench/*.py): ids given
out here, so related rows can be built before anything is written, then COPY on PostgreSQL
(psycopg's ``cursor.copy``) and executemany INSERTs elsewhere. No services, no ORM objects;
the caller writes what the services would (audit events included)."""

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from microventure.core.timeutil import utcnow

CHUNK = 2_000  # rows per executemany INSERT


class Loader:
    """Gives out ids per table and writes rows to the session's connection (its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.copy = self.dialect.name == "postgresql"
        self.next_id: dict[str, int] = {}
        self.written: dict[str, int] = {}

    def ids(self, model: Any, count: int) -> range:
        """``count`` new ids of ``model``'s table, above any already there."""
        table = model.__table__
        if table.name not in self.next_id:
            top = self.session.scalar(sa.select(sa.func.max(table.c.id)))
            self.next_id[table.name] = (top or 0) + 1
        first = self.next_id[table.name]
        self.next_id[table.name] = first + count
        return range(first, first + count)

    def add(self, model: Any, rows: list[dict]) -> None:
        """Write ``rows`` (dicts with the same keys) into ``model``'s table."""
        if not rows:
            return
        table = model.__table__
        self.written[table.name] = self.written.get(table.name, 0) + len(rows)
        if self.copy:
            self._copy(table, rows)
            return
        for start in range(0, len(rows), CHUNK):
            self.session.execute(sa.insert(table), rows[start : start + CHUNK])

    def _copy(self, table: sa.Table, rows: list[dict]) -> None:
        columns, fixed = _columns(table, rows[0].keys())
        process = [_processor(table.c[name], self.dialect) for name in columns]
        quoted = ", ".join(self.dialect.identifier_preparer.quote(n) for n in columns)
        cursor = self.session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        p(row[n]) if n in row else p(fixed[n])
                        for n, p in zip(columns, process, strict=True)
                    ]
                )

    def finish(self) -> None:
        """Move each table's id sequence past the ids given out here (PostgreSQL)."""
        if not self.copy:
            return
        for name in self.next_id:
            self.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
            )


def _columns(table: sa.Table, given: Iterable[str]) -> tuple[list[str], dict[str, Any]]:
    """The columns COPY writes: those given, then those with a client-side default (its value,
    the same for the whole batch); the database fills the rest (server defaults, NULL)."""
    given = list(given)
    fixed: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        default = column.default
        if default.is_scalar:
            fixed[column.name] = default.arg
        elif default.is_callable:
            fixed[column.name] = default.arg(None)
        elif isinstance(column.type.python_type if _typed(column) else None, type) and issubclass(
            column.type.python_type, datetime
        ):
            fixed[column.name] = utcnow()  # a SQL default such as the database's clock
    return given + list(fixed), fixed


def _typed(column: sa.Column) -> bool:
    try:
        column.type.python_type  # noqa: B018
    except NotImplementedError:
        return False
    return True


def _processor(column: sa.Column, dialect: sa.Dialect):
    if isinstance(column.type, sa.JSON):  # COPY reads JSON as text
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    bind = column.type.bind_processor(dialect)
    if bind is None:
        return lambda value: value
    return lambda value: None if value is None else bind(value)
