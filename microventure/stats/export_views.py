"""Downloads: the PDF report and, in Excel, the dashboard's figures, the project ledger and the
activity records (with the dashboard's filters and scope), a call's applications and notice list."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.applications.answers import answer_table
from microventure.calls.models import Call
from microventure.core import sheets
from microventure.core.files import FileKind, send_stored
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.decisions.queries import notice_projects
from microventure.extensions import db
from microventure.reviews.ranking.queries import ranking
from microventure.stats import export_queries, exports, jobs, report, tasks
from microventure.stats.models import ExportJob, ExportStatus
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
    filters, board = board_of_request()
    rows = export_queries.row_count("ledger", board.scope)
    if jobs.is_large(rows):
        return _as_job("ledger", filters, rows)
    book = exports.ledger(
        export_queries.ledger_projects(board.scope), export_queries.ledger_tranches(board.scope)
    )
    return sheets.download(book, _name(_("project-ledger")))


@bp.get("/admin/stats/activities.xlsx")
@login_required
def activities_xlsx():
    filters, board = board_of_request()
    rows = export_queries.row_count("activities", board.scope)
    if jobs.is_large(rows):
        return _as_job("activities", filters, rows)
    book = exports.activities(export_queries.accepted_activities(board.scope))
    return sheets.download(book, _name(_("activity-records")))


def _as_job(kind: str, filters, rows: int):
    """Too many rows for the request: a job the page waits for (built at once without a
    broker)."""
    job = jobs.start(user=current_user, kind=kind, filters=filters, rows=rows)
    db.session.commit()
    # this app's Celery (with several apps in one process, the shared task's default may not be)
    build = current_app.extensions["celery"].tasks[tasks.build_export.name]
    try:
        build.delay(job.id)
    except Exception:  # the broker is down: build it now rather than leave it waiting
        current_app.logger.exception("export job %s not queued; built in the request", job.id)
        jobs.build(job.id)
    return redirect(url_for(".job", job_id=job.id))


def _own_job(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.get("/admin/stats/exports/<int:job_id>")
@login_required
def job(job_id: int):
    """The export's progress (the page refreshes itself until it is ready), then its link."""
    authorize(current_user, "stats.view")
    return render_template("stats/export_job.html", job=_own_job(job_id))


@bp.get("/admin/stats/exports/<int:job_id>/file")
@login_required
def job_file(job_id: int):
    authorize(current_user, "stats.view")
    job = _own_job(job_id)
    if job.status is not ExportStatus.DONE:
        abort(404)
    return send_stored(job.storage_key, download_name=job.filename, kind=FileKind.EXCEL)


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
    rows = export_queries.call_applications(call.id)
    book = exports.call_applications(call, rows, ranked, answer_table(call))
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
    kind = _("results-report")  # outside the f-string, where extraction finds it
    name = f"{report.scope_name(board)}-{kind}-{local_today().isoformat()}.pdf"
    return send_file(
        BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
