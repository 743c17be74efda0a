"""The public results page (成效公开): no login, the district's figures and funded projects."""

from flask import Blueprint, current_app, render_template, request

from microventure.calls import queries as call_queries
from microventure.core.i18n import current_language
from microventure.core.timeutil import utcnow
from microventure.stats import charts, public_queries, tables

bp = Blueprint("results", __name__)


@bp.get("/results")
def index():
    now = utcnow()
    found = public_queries.results(
        now,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    drawn = [c for c in charts.charts(found.board, current_language()) if c.key != "month"]
    return render_template(
        "stats/results.html",
        charts=drawn,
        chart_data=[c.as_json() for c in drawn],
        results=found,
        board=found.board,
        calls=call_queries.public_calls(now).current,
        tables=tables,
        now=now,
    )
