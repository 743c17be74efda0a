"""Activity records (活动记录): entered by the organisation, accepted or returned by admins.

A record carries up to nine phone photos, more than the app-wide request limit allows; the form
pages raise the limit for their own request. The app-wide CSRF check reads the form before any
view runs (and so before the limit is raised), so those two views are exempt from it and the
form checks its CSRF token itself (FlaskForm does, whenever CSRF is on)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from microventure.applications.models import PlannedActivity
from microventure.attendance import queries as attendance_queries
from microventure.calls.models import Call
from microventure.core import files
from microventure.core.forms import perform
from microventure.core.policy import authorize, can
from microventure.core.timeutil import local_today
from microventure.extensions import csrf, db
from microventure.projects.activities import calendar_cells
from microventure.projects.activities import queries as activity_queries
from microventure.projects.activities import rules as activity_rules
from microventure.projects.activities import services as activities
from microventure.projects.activities.forms import ActivityForm, ReturnForm
from microventure.projects.models import ActivityRecord, Project, ProjectStatus, RecordStatus

bp = Blueprint("activities", __name__)


def upload_limit() -> int | None:
    """Bytes a record's form may post: every photo and the sheet at the file limit, and spare
    room for one photo too many, so that case is refused with a message, not a 413 page."""
    configured = current_app.config.get("MAX_CONTENT_LENGTH")
    if configured is None:
        return None  # no limit at all
    needed = (activity_rules.MAX_PHOTOS + 2) * files.max_bytes() + 1024 * 1024
    return max(needed, configured)


def _project(project_id: int) -> Project:
    project = db.session.get(Project, project_id) or abort(404)
    authorize(current_user, "project.view", project, hide=True)
    return project


def _activity(project: Project, activity_id: int) -> ActivityRecord:
    activity = db.session.get(ActivityRecord, activity_id)
    if activity is None or activity.project_id != project.id:
        abort(404)
    return activity


def _page() -> int:
    return max(request.args.get("page", 1, type=int), 1)


# app-wide: the project page (another blueprint) shows the activity panel with thumbnails
@bp.app_template_global("activity_photo_url")
def photo_url(project_id: int, file_id: int, *, thumb: bool = False) -> str:
    args = {"thumb": 1} if thumb else {}
    return url_for("projects.file", project_id=project_id, file_id=file_id, **args)


def can_record(project: Project) -> bool:
    return project.status is ProjectStatus.ACTIVE and can(current_user, "project.report", project)


# ---------------------------------------------------------------------------------- list pages


@bp.get("/projects/<int:project_id>/activities")
@login_required
def index(project_id: int):
    """The project's records, newest first, or a month's calendar (``?view=calendar``), with the
    planned activities beside what was held."""
    project = _project(project_id)
    calendar_view = request.args.get("view") == "calendar"
    context: dict = {}
    if calendar_view:
        month = activity_queries.Month.parse(request.args.get("month"), local_today())
        by_day = activity_queries.month_records(project.id, month)
        context = {
            "month": month,
            "by_day": by_day,
            "entries": calendar_cells.day_entries(project.id, by_day),
        }
    else:
        context = {
            "pagination": activity_queries.records_page(
                project.id, page=_page(), per_page=current_app.config["ITEMS_PER_PAGE"]
            ),
            "planned": activity_queries.planned_vs_held(project),
        }
    return render_template(
        "projects/activities/index.html",
        project=project,
        calendar_view=calendar_view,
        can_record=can_record(project),
        today=local_today(),
        **context,
    )


@bp.get("/projects/<int:project_id>/activities/<int:activity_id>")
@login_required
def detail(project_id: int, activity_id: int, return_form: ReturnForm | None = None):
    project = _project(project_id)
    activity = _activity(project, activity_id)
    tolerance = db.session.get(Call, project.call_id).attendance_tolerance
    return render_template(
        "projects/activities/detail.html",
        project=project,
        activity=activity,
        verified=attendance_queries.verified(activity, tolerance),
        can_open_check_in=can(current_user, "attendance.manage", project)
        and activity.status in activity_rules.EDITABLE,
        photos=activity.photos,
        planned=db.session.get(PlannedActivity, activity.planned_activity_id)
        if activity.planned_activity_id
        else None,
        can_edit=can_record(project) and activity.status in activity_rules.EDITABLE,
        can_review=can(current_user, "project.review", project)
        and activity.status is RecordStatus.SUBMITTED,
        return_form=return_form or ReturnForm(formdata=None),
    ), (200 if return_form is None else 422)


# ---------------------------------------------------------------------------------- the form


def _form(project: Project, **defaults) -> ActivityForm:
    form = ActivityForm(**defaults)
    form.set_choices(
        communities=activity_queries.community_choices(project),
        planned=activity_queries.planned_choices(project),
    )
    form.held_on.render_kw = {
        "min": activity_rules.earliest_day(project).isoformat(),
        "max": local_today().isoformat(),
    }
    return form


def _render_form(project: Project, form: ActivityForm, activity: ActivityRecord | None = None):
    status = 422 if request.method == "POST" else 200
    if status == 422 and form.new_photos() + ([form.sheet()] if form.sheet() else []):
        flash(_("The files you chose were not saved: choose them again."), "warning")
    return render_template(
        "projects/activities/form.html",
        project=project,
        form=form,
        activity=activity,
        photos=activity.photos if activity else [],
        max_photos=activity_rules.MAX_PHOTOS,
        max_bytes=files.max_bytes(),
    ), status


@csrf.exempt
@bp.route("/projects/<int:project_id>/activities/new", methods=["GET", "POST"])
@login_required
def new(project_id: int):
    request.max_content_length = upload_limit()  # before anything reads the form
    project = _project(project_id)
    authorize(current_user, "project.report", project)
    if project.status is not ProjectStatus.ACTIVE:
        flash(_("Activities can be recorded only while the project is active."), "warning")
        return redirect(url_for(".index", project_id=project.id))
    form = _form(project)
    if request.method == "GET":
        form.held_on.data = local_today()
        form.domain.data = project.application.domain
    recorded = form.validate_on_submit() and perform(
        lambda: activities.record_activity(
            project=project,
            values=form.values(),
            photos=form.new_photos(),
            sign_in_sheet=form.sheet(),
            actor=current_user,
        ),
        form,
    )
    if recorded:
        flash(_("The activity is recorded and waits for review."), "success")
        return redirect(url_for(".detail", project_id=project.id, activity_id=recorded.value.id))
    return _render_form(project, form)


@csrf.exempt
@bp.route("/projects/<int:project_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id: int, activity_id: int):
    request.max_content_length = upload_limit()  # before anything reads the form
    project = _project(project_id)
    activity = _activity(project, activity_id)
    authorize(current_user, "project.report", project)
    if activity.status not in activity_rules.EDITABLE or project.status is not ProjectStatus.ACTIVE:
        flash(_("This activity record can no longer be changed."), "warning")
        return redirect(url_for(".detail", project_id=project.id, activity_id=activity.id))
    form = _form(project, obj=activity if request.method == "GET" else None)
    if form.validate_on_submit() and perform(
        lambda: activities.update_activity(
            activity=activity,
            values=form.values(),
            photos=form.new_photos(),
            removed_photo_ids=form.remove_photo_ids.data or [],
            sign_in_sheet=form.sheet(),
            actor=current_user,
        ),
        form,
    ):
        flash(_("The activity record is saved and waits for review."), "success")
        return redirect(url_for(".detail", project_id=project.id, activity_id=activity.id))
    return _render_form(project, form, activity)


# ---------------------------------------------------------------------------------- review


@bp.post("/projects/<int:project_id>/activities/<int:activity_id>/accept")
@login_required
def accept(project_id: int, activity_id: int):
    project = _project(project_id)
    activity = _activity(project, activity_id)
    authorize(current_user, "project.review", project)
    if perform(lambda: activities.accept_activity(activity=activity, actor=current_user)):
        flash(_("The activity record is accepted."), "success")
    return redirect(url_for(".detail", project_id=project.id, activity_id=activity.id))


@bp.post("/projects/<int:project_id>/activities/<int:activity_id>/return")
@login_required
def return_(project_id: int, activity_id: int):
    project = _project(project_id)
    activity = _activity(project, activity_id)
    authorize(current_user, "project.review", project)
    form = ReturnForm()
    if form.validate_on_submit() and perform(
        lambda: activities.return_activity(
            activity=activity, comment=form.comment.data or "", actor=current_user
        ),
        form,
    ):
        flash(_("The activity record is returned; the organisation has been told."), "success")
        return redirect(url_for(".detail", project_id=project.id, activity_id=activity.id))
    return detail(project_id, activity_id, return_form=form)
