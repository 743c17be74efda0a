"""A page of plain result rows. Flask-SQLAlchemy's pagination keeps only the first column of a
multi-column select; list pages that render from rows (not ORM objects) use this instead."""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from microventure.extensions import db


class RowPagination(Pagination):
    """``rows`` is the select to page through; ``ids`` (optional) a lean select of the same
    items to count, without the joins and grouped subqueries the rows need."""

    def _query_items(self) -> list:
        stmt = self._query_args["rows"].limit(self.per_page).offset(self._query_offset)
        return list(db.session.execute(stmt))

    def _query_count(self) -> int:
        counted = self._query_args.get("ids")
        if counted is None:
            counted = self._query_args["rows"].order_by(None)
        return db.session.scalar(select(func.count()).select_from(counted.subquery()))


def paginate_rows(rows: Select, *, page: int, per_page: int, ids: Select | None = None):
    return RowPagination(
        page=page, per_page=per_page, max_per_page=None, error_out=False, rows=rows, ids=ids
    )


class ListPage(Pagination):
    """A page whose items and total were computed elsewhere (e.g. merged from several queries),
    for the pager macro."""

    def __init__(self, items: list, *, total: int, page: int, per_page: int) -> None:
        self._given = (items, total)
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list:
        return list(self._given[0])

    def _query_count(self) -> int:
        return self._given[1]
