"""The results dashboard for admins: figures per call, street, domain and month, with filters."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from microventure.calls.models import Domain
from microventure.core.i18n import current_language
from microventure.core.policy import authorize, can, street_scope
from microventure.stats import board, charts, snapshots, tables
from microventure.stats.forms import Filters

bp = Blueprint("stats", __name__, url_prefix="/admin/stats")


def board_of_request() -> tuple[Filters, board.Dashboard]:
    """The filters the admin asked for and the dashboard they see within their scope."""
    authorize(current_user, "stats.view")
    filters = Filters.parse(request.args)
    return filters, board.dashboard(filters, street_scope(current_user))


@bp.after_app_request
def _refresh_after_a_change(response):
    # any write that succeeded may change the figures: the district's are computed ahead
    if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
        snapshots.refresh_soon()
    return response


@bp.get("")
@login_required
def dashboard():
    filters, board = board_of_request()
    by = request.args.get("by")
    if by not in tables.DIMENSION_TITLES:
        by = "street" if can(current_user, "stats.all_streets") else "call"
    drawn = charts.charts(board, current_language())
    return render_template(
        "stats/dashboard.html",
        charts=drawn,
        chart_data=[c.as_json() for c in drawn],
        filters=filters,
        board=board,
        by=by,
        tables=tables,
        groups=[g for g in (*tables.GROUPS, tables.FUNDS) if by in g.dims],
        domains=list(Domain),
    )
