"""Large exports as jobs: asked for in the request, built by a Celery task (in process in the
embedded default, so the link is there at once) that records its progress and stores the file."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from microventure.accounts.models import User
from microventure.core import files, sheets
from microventure.core.errors import DomainError
from microventure.core.i18n import current_language
from microventure.core.policy import street_scope
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.stats import export_queries, exports
from microventure.stats.forms import Filters
from microventure.stats.models import EXPORT_JOB, ExportJob, ExportStatus
from microventure.stats.queries import Scope

KINDS = ("ledger", "activities")


def is_large(rows: int) -> bool:
    return rows > current_app.config.get("STATS_EXPORT_ASYNC_ROWS", 3000)


def start(*, user: User, kind: str, filters: Filters, rows: int) -> ExportJob:
    """Record the job (the view commits, then hands its id to the task)."""
    if kind not in KINDS:
        raise ValueError(kind)
    job = ExportJob(
        user_id=user.id,
        kind=kind,
        filters=filters.args(),
        rows_total=rows,
        locale=current_language(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def build(job_id: int) -> None:
    """Build the job's workbook in the job's language and scope, recording progress; commits
    (it runs in a task, or in process right after the request committed the job)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status is not ExportStatus.PENDING:
        return  # a retried task: the first run has it
    try:
        EXPORT_JOB.move(job, ExportStatus.RUNNING, actor=None)
    except DomainError:
        return  # another run claimed it a moment ago
    db.session.commit()
    user = db.session.get(User, job.user_id)
    scope = Scope.of(Filters.parse(_Args(job.filters)), street_scope(user))
    locale = "zh_Hans_CN" if job.locale == "zh_CN" else "en"
    try:
        with force_locale(locale):
            book, name = _workbook(job, scope)
        key = f"exports/{job.id}-{utcnow().strftime('%Y%m%d%H%M%S')}.xlsx"
        files.write_stored(key, sheets.to_bytes(book))
    except Exception:
        # the page says so instead of waiting for ever; the log has the cause
        current_app.logger.exception("export job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        EXPORT_JOB.move(job, ExportStatus.FAILED, actor=None, values={"finished_at": utcnow()})
        db.session.commit()
        return
    done = {"storage_key": key, "filename": name, "rows_done": job.rows_total}
    EXPORT_JOB.move(
        job,
        ExportStatus.DONE,
        actor=None,
        values=done | {"finished_at": utcnow()},
        rows=job.rows_total,
    )
    db.session.commit()


def _workbook(job: ExportJob, scope: Scope):
    def progress(done: int) -> None:
        job.rows_done = min(done, job.rows_total)
        db.session.commit()

    today = local_today().isoformat()
    if job.kind == "ledger":
        projects = export_queries.ledger_projects(scope)
        tranches = export_queries.ledger_tranches(scope)
        offset = len(projects)
        book = exports.ledger(projects, tranches, progress=lambda n: progress(offset + n))
        return book, f"{_('project-ledger')}-{today}.xlsx"
    rows = export_queries.accepted_activities(scope)
    return exports.activities(rows, progress=progress), f"{_('activity-records')}-{today}.xlsx"


class _Args(dict):
    """The stored filters read like a query string (``Filters.parse`` takes ``type=``)."""

    def get(self, key, default=None, type=None):
        value = super().get(key, default)
        if type is None or value is None:
            return value
        try:
            return type(value)
        except (TypeError, ValueError):
            return default
