"""The public results page (成效公开): no login, the district's figures and funded projects."""

from flask import Blueprint, current_app, render_template, request

from microventure.calls import queries as call_queries
from microventure.core.timeutil import utcnow
from microventure.stats import public_queries, tables

bp = Blueprint("results", __name__)


@bp.get("/results")
def index():
    now = utcnow()
    found = public_queries.results(
        now,
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["ITEMS_PER_PAGE"],
    )
    return render_template(
        "stats/results.html",
        results=found,
        board=found.board,
        calls=call_queries.public_calls(now).current,
        tables=tables,
        now=now,
    )
