"""The report upward (成效报告): the street's or the district's round as a PDF — its figures in
the words such reports use, the charts as plain SVG bars, the tables and the funded projects —
rendered from HTML by WeasyPrint with the CJK fonts of the system."""

from flask import render_template
from flask_babel import gettext as _

from microventure.core.i18n import current_language
from microventure.core.timeutil import format_local, utcnow
from microventure.stats import charts, export_queries, tables
from microventure.stats.board import Dashboard
from microventure.stats.exports import describe


def scope_name(board: Dashboard) -> str:
    if board.scope.streets is None:
        return _("The whole district")
    locale = current_language()
    return "、".join(tables.row_label(board, "street", s, locale) for s in board.scope.streets)


def html(board: Dashboard) -> str:
    return render_template(
        "stats/report.html",
        board=board,
        tables=tables,
        charts=charts.charts(board, current_language()),
        projects=export_queries.ledger_projects(board.scope),
        scope=scope_name(board),
        covers=describe(board),
        made_at=format_local(utcnow()),
    )


def pdf(board: Dashboard, *, base_url: str) -> bytes:
    # imported here: WeasyPrint loads pango and its fonts, which only this download needs
    from weasyprint import HTML

    return HTML(string=html(board), base_url=base_url).write_pdf()
