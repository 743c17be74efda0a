"""Downloads: the PDF report and, in Excel, the dashboard's figures, the project ledger and the
activity records (with the dashboard's filters and scope), a call's applications and notice list."""

from io import BytesIO

from flask import Blueprint, abort, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.calls.models import Call
from microventure.core import sheets
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.decisions.queries import notice_projects
from microventure.extensions import db
from microventure.reviews.ranking.queries import ranking
from microventure.stats import export_queries, exports, report
from microventure.stats.views import board_of_request

bp = Blueprint("stats_exports", __name__)


def _name(what: str) -> str:
    return f"{what}-{local_today().isoformat()}.xlsx"


@bp.get("/admin/stats.xlsx")
@login_required
def dashboard_xlsx():
    _filters, board = board_of_request()
    return sheets.download(exports.dashboard(board), _name(_("results")))


@bp.get("/admin/stats/ledger.xlsx")
@login_required
def ledger_xlsx():
    _filters, board = board_of_request()
    book = exports.ledger(
        export_queries.ledger_projects(board.scope), export_queries.ledger_tranches(board.scope)
    )
    return sheets.download(book, _name(_("project-ledger")))


@bp.get("/admin/stats/activities.xlsx")
@login_required
def activities_xlsx():
    _filters, board = board_of_request()
    book = exports.activities(export_queries.accepted_activities(board.scope))
    return sheets.download(book, _name(_("activity-records")))


def _managed_call(call_id: int, action: str) -> Call:
    call = db.session.get(Call, call_id) or abort(404)
    authorize(current_user, action, call, hide=True)
    return call


@bp.get("/admin/calls/<int:call_id>/applications.xlsx")
@login_required
def applications_xlsx(call_id: int):
    """Every submitted application of the call with its screening state and scores."""
    call = _managed_call(call_id, "call.manage")
    ranked = {row.application_id: row for row in ranking(call)}
    book = exports.call_applications(call, export_queries.call_applications(call.id), ranked)
    return sheets.download(book, f"{call.code}-applications.xlsx")


@bp.get("/admin/calls/<int:call_id>/notice.xlsx")
@login_required
def notice_xlsx(call_id: int):
    call = _managed_call(call_id, "decision.manage")
    return sheets.download(
        exports.notice_list(call, notice_projects(call.id)), f"{call.code}-notice.xlsx"
    )


@bp.get("/admin/stats/report.pdf")
@login_required
def report_pdf():
    """The street's (or the district's) round as the PDF report sent upward."""
    _filters, board = board_of_request()
    content = report.pdf(board, base_url=request.host_url)
    name = f"{report.scope_name(board)}-{_('results-report')}-{local_today().isoformat()}.pdf"
    return send_file(
        BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
