"""The number of SQL statements a request ran, in an ``X-Query-Count`` response header — only
when ``BENCH_QUERY_COUNT`` is set (bench/run serves the app with it, so the counts are those of
the same gunicorn workers it times). Off in every other configuration: the header tells a
visitor something about the pages' insides."""

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _counted(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def _header(response):
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("BENCH_QUERY_COUNT"):
        return
    if not event.contains(Engine, "after_cursor_execute", _counted):
        event.listen(Engine, "after_cursor_execute", _counted)
    app.after_request(_header)
