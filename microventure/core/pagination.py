"""A page of plain result rows. Flask-SQLAlchemy's pagination keeps only the first column of a
multi-column select; list pages that render from rows (not ORM objects) use this instead."""

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, func, or_, select

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


class SeekPagination(Pagination):
    """A page of rows in the total order of ``keys`` (non-null columns of one table, each with
    its direction; the last one unique), costing the same on page 1 and page 400.

    ``ids`` is the filtered select of the table's primary key (``id_column``), ``rows`` the
    select of what a row shows (correlated sums and the like) without the filters. The page's
    ids are found first, in a subquery that touches the key columns only, and ``rows`` is
    evaluated for those ids alone: one query. A neighbour page is found by seeking from its
    edge row (``after`` = the id of the previous page's last row, ``before`` = the next
    page's first row; keyset paging, see ``link_args``); a page given by its number only (a
    numbered link, an old bookmark) skips ids in the key order, which an index on the keys
    serves. A cursor whose row is gone (or never was) falls back to the page number."""

    def __init__(self, *, after: int | None = None, before: int | None = None, **kwargs) -> None:
        self._cursor = ("after", after) if after else ("before", before) if before else None
        super().__init__(max_per_page=None, error_out=False, **kwargs)

    def _order(self, reverse: bool = False) -> list:
        return [
            column.desc() if descending != reverse else column.asc()
            for column, descending in self._query_args["keys"]
        ]

    def _seek(self, cursor: int, forward: bool):
        """Rows strictly after (or before) the cursor's row in the key order."""
        id_column = self._query_args["id_column"]
        terms, equal = [], []
        for column, descending in self._query_args["keys"]:
            value = select(column).where(id_column == cursor).correlate(None).scalar_subquery()
            beyond = column < value if descending == forward else column > value
            terms.append(and_(*equal, beyond))
            equal.append(column == value)
        first, descending = self._query_args["keys"][0]
        value = select(first).where(id_column == cursor).correlate(None).scalar_subquery()
        # a range on the first key (for an index), then the exact lexicographic condition
        start = first <= value if descending == forward else first >= value
        return and_(start, or_(*terms))

    def _page_ids(self, cursor: tuple[str, int] | None) -> Select:
        ids = self._query_args["ids"]
        if cursor is None:
            return ids.order_by(*self._order()).limit(self.per_page).offset(self._query_offset)
        direction, row_id = cursor
        forward = direction == "after"
        return (
            ids.where(self._seek(row_id, forward))
            .order_by(*self._order(reverse=not forward))
            .limit(self.per_page)
        )

    def _rows(self, cursor: tuple[str, int] | None) -> list:
        page_ids = self._page_ids(cursor).subquery()
        stmt = (
            self._query_args["rows"]
            .where(self._query_args["id_column"].in_(select(page_ids.c[0])))
            .order_by(*self._order())
        )
        return list(db.session.execute(stmt))

    def _query_items(self) -> list:
        items = self._rows(self._cursor) if self._cursor else []
        if not items:  # no cursor, or its row is gone: by the page number
            items = self._rows(None)
        return items

    def _query_count(self) -> int:
        return db.session.scalar(
            select(func.count()).select_from(self._query_args["ids"].order_by(None).subquery())
        )

    def link_args(self, page: int) -> dict:
        """The query arguments (beside ``page``) of the link to ``page``: the neighbour pages
        seek from this page's edge rows; any other page goes by its number."""
        if self.items and page == self.page + 1:
            return {"after": self.items[-1].id, "before": None}
        if self.items and page == self.page - 1:
            return {"before": self.items[0].id, "after": None}
        return {"after": None, "before": None}


def seek_rows(
    rows: Select,
    *,
    ids: Select,
    id_column,
    keys: list[tuple],
    page: int,
    per_page: int,
    after: int | None = None,
    before: int | None = None,
) -> SeekPagination:
    return SeekPagination(
        page=page,
        per_page=per_page,
        after=after,
        before=before,
        rows=rows,
        ids=ids,
        id_column=id_column,
        keys=keys,
    )
