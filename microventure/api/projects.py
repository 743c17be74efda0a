"""The applicant's funded projects (资助项目) through the API: their list, one project, its
activity records (活动记录) with their review, and recording an activity with photos
(multipart). The same queries, services and policy as the pages (projects/activities/views.py)."""

import functools
from decimal import Decimal

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields

from microventure.api.access import allowed_or_404
from microventure.api.applications import refused
from microventure.api.auth import READ, WRITE, token_required
from microventure.api.fields import Coded, LocalDateTime, coded, count, one_of, text
from microventure.api.multipart import MULTIPART
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.api.spec import Blueprint
from microventure.calls.models import Domain
from microventure.core.errors import DomainError
from microventure.core.policy import can
from microventure.extensions import db
from microventure.projects import queries
from microventure.projects.activities import queries as activity_queries
from microventure.projects.activities import services as activities
from microventure.projects.activities.rules import MAX_PHOTOS, ActivityValues
from microventure.projects.activities.views import upload_limit
from microventure.projects.models import ActivityRecord, Project, ProjectStatus, RecordStatus

bp = Blueprint(
    "api_projects",
    __name__,
    url_prefix="/api/v1/projects",
    description="Your organisations' funded projects and their activity records (token).",
    tag="Projects and activities",
)


class ProjectSchema(Schema):
    id = fields.Integer(required=True)
    agreement_number = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Nested(Coded, required=True)
    call = fields.Nested(
        Schema.from_dict({"code": fields.String(), "title": fields.String()}, name="CallName"),
        required=True,
    )
    organization = fields.String(required=True)
    amount_fen = fields.Integer(required=True, metadata={"description": "The approved grant."})
    paid_fen = fields.Integer(required=True)
    due_fen = fields.Integer(required=True, metadata={"description": "Due, not paid yet."})
    signed_on = fields.Date(allow_none=True, required=True)
    reports_due = fields.Integer(required=True)
    url = fields.Url(required=True)


class ProjectListSchema(Schema):
    items = fields.List(fields.Nested(ProjectSchema), required=True)


def _project_data(row) -> dict:
    return {
        "id": row.id,
        "agreement_number": row.agreement_number,
        "title": row.title,
        "status": coded(row.status, ProjectStatus),
        "call": {"code": row.call_code, "title": row.call_title},
        "organization": row.organization,
        "amount_fen": row.amount,
        "paid_fen": row.paid,
        "due_fen": row.due,
        "signed_on": row.signed_on,
        "reports_due": row.reports_due,
        "url": url_for("api_projects.get_project", project_id=row.id, _external=True),
    }


def _project(project_id: int) -> Project:
    return allowed_or_404(db.session.get(Project, project_id), "project.view")


@bp.get("")
@token_required(bp, READ)
@bp.response(200, ProjectListSchema)
def list_projects():
    """The projects of every organisation you belong to, newest first (a handful: not paged)."""
    return {"items": [_project_data(row) for row in queries.my_projects(current_user)]}


@bp.get("/<int:project_id>")
@token_required(bp, READ)
@bp.response(200, ProjectSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_project(project_id: int):
    """One of your projects, with what was paid and what is due."""
    _project(project_id)
    rows = [r for r in queries.my_projects(current_user) if r.id == project_id]
    if not rows:
        abort(404)  # an admin's token: the project list is the applicant's
    return _project_data(rows[0])


# ---------------------------------------------------------------------------- activity records


class ActivitySummarySchema(Schema):
    id = fields.Integer(required=True)
    held_on = fields.Date(required=True)
    title = fields.String(required=True)
    status = fields.Nested(Coded, required=True, metadata={"description": "The review's state."})
    domain = fields.Nested(Coded, required=True)
    community = fields.String(allow_none=True, required=True)
    participants = fields.Integer(required=True)
    volunteers = fields.Integer(required=True)
    volunteer_hours = fields.Float(required=True, metadata={"description": "At most one decimal."})
    problems_solved = fields.Integer(required=True)
    photos = fields.Integer(required=True)
    url = fields.Url(required=True)


class ReviewSchema(Schema):
    status = fields.Nested(Coded, required=True)
    comment = fields.String(
        required=True, metadata={"description": "What to correct, if returned."}
    )
    reviewed_at = LocalDateTime(allow_none=True, required=True)


class ActivitySchema(ActivitySummarySchema):
    community_id = fields.Integer(allow_none=True, required=True)
    elderly = fields.Integer(allow_none=True, required=True)
    children = fields.Integer(allow_none=True, required=True)
    disabled = fields.Integer(allow_none=True, required=True)
    others = fields.Integer(allow_none=True, required=True)
    description = fields.String(required=True)
    planned_activity_id = fields.Integer(allow_none=True, required=True)
    review = fields.Nested(ReviewSchema, required=True)
    created_at = LocalDateTime(required=True)


def _activity_url(project_id: int, activity_id: int) -> str:
    return url_for(
        "api_projects.get_activity",
        project_id=project_id,
        activity_id=activity_id,
        _external=True,
    )


def _summary(project_id: int, row) -> dict:
    return {
        "id": row.id,
        "held_on": row.held_on,
        "title": row.title,
        "status": coded(row.status, RecordStatus),
        "domain": coded(row.domain, Domain),
        "community": row.community,
        "participants": row.participants,
        "volunteers": row.volunteers,
        "volunteer_hours": row.volunteer_hours,
        "problems_solved": row.problems_solved,
        "photos": row.photos,
        "url": _activity_url(project_id, row.id),
    }


def activity_data(activity: ActivityRecord) -> dict:
    return {
        "id": activity.id,
        "held_on": activity.held_on,
        "title": activity.title,
        "status": coded(activity.status, RecordStatus),
        "domain": coded(activity.domain, Domain),
        "community": activity.community.name if activity.community else None,
        "community_id": activity.community_id,
        "participants": activity.participants,
        "elderly": activity.elderly,
        "children": activity.children,
        "disabled": activity.disabled,
        "others": activity.others,
        "volunteers": activity.volunteers,
        "volunteer_hours": activity.volunteer_hours,
        "problems_solved": activity.problems_solved,
        "description": activity.description,
        "planned_activity_id": activity.planned_activity_id,
        "photos": len(activity.photos),
        "review": {
            "status": coded(activity.status, RecordStatus),
            "comment": activity.review_comment,
            "reviewed_at": activity.reviewed_at,
        },
        "created_at": activity.created_at,
        "url": _activity_url(activity.project_id, activity.id),
    }


@bp.get("/<int:project_id>/activities")
@token_required(bp, READ)
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_of(ActivitySummarySchema))
@bp.alt_response(404, response="NOT_FOUND")
def list_activities(project_id: int, page: int, per_page: int):
    """The project's activity records, newest first, each with its review's state."""
    project = _project(project_id)
    result = activity_queries.records_page(project.id, page=page, per_page=per_page)
    return envelope(result) | {"items": [_summary(project.id, r) for r in result.items]}


@bp.get("/<int:project_id>/activities/<int:activity_id>")
@token_required(bp, READ)
@bp.response(200, ActivitySchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_activity(project_id: int, activity_id: int):
    """One activity record and its review (accepted, or returned with what to correct)."""
    project = _project(project_id)
    activity = db.session.get(ActivityRecord, activity_id)
    if activity is None or activity.project_id != project.id:
        abort(404)
    return activity_data(activity)


MAX_HOURS = 100_000


def _hours_in_range(value: Decimal) -> None:
    # a function, not validate.Range: apispec would write a Decimal bound as a string
    if not 0 <= value <= MAX_HOURS:
        raise ValidationError(str(HOURS_RANGE) % {"max": MAX_HOURS})


HOURS_RANGE = _l("Enter the hours from 0 to %(max)s.")


class ActivityForm(Schema):
    held_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD, Asia/Shanghai."})
    title = text(200, required=True)
    domain = one_of(Domain, required=True)
    participants = count(
        0, 1_000_000, required=True, metadata={"description": "Person-times."}, strict=False
    )
    community_id = count(1, load_default=None, strict=False)
    elderly = count(0, 1_000_000, load_default=None, strict=False)
    children = count(0, 1_000_000, load_default=None, strict=False)
    disabled = count(0, 1_000_000, load_default=None, strict=False)
    others = count(0, 1_000_000, load_default=None, strict=False)
    volunteers = count(0, 1_000_000, load_default=0, strict=False)
    volunteer_hours = fields.Decimal(
        load_default=lambda: Decimal(0),
        validate=_hours_in_range,
        metadata={"minimum": 0, "maximum": MAX_HOURS, "description": "At most one decimal."},
    )
    problems_solved = count(0, 1_000_000, load_default=0, strict=False)
    description = text(5000, load_default="")
    planned_activity_id = count(1, load_default=None, strict=False)


class ActivityUpload(ActivityForm):
    photos = fields.List(
        Upload(),
        load_default=list,
        metadata={"description": f"Up to {MAX_PHOTOS} photos (JPEG, PNG, HEIC…)."},
    )
    sign_in_sheet = Upload(load_default=None)


def _larger_uploads(view):
    """The record's photos may take more than the app-wide request limit (as on the page)."""

    @functools.wraps(view)
    def raised(*args, **kwargs):
        request.max_content_length = upload_limit()
        return view(*args, **kwargs)

    return raised


@bp.post("/<int:project_id>/activities")
@token_required(bp, WRITE)
@_larger_uploads
@bp.arguments(ActivityUpload, location=MULTIPART)
@bp.response(201, ActivitySchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def record_activity(form: dict, project_id: int):
    """Record an activity held (multipart/form-data, with ``photos`` repeated for each photo);
    it waits for an admin's review. Every problem is listed with its field."""
    project = _project(project_id)
    if not can(current_user, "project.report", project):
        abort(403)
    photos, sheet = form.pop("photos"), form.pop("sign_in_sheet")
    try:
        activity = activities.record_activity(
            project=project,
            values=ActivityValues(**form),
            photos=photos,
            sign_in_sheet=sheet,
            actor=current_user,
        )
    except DomainError as exc:
        return refused(exc)
    db.session.commit()
    return (
        activity_data(db.session.get(ActivityRecord, activity.id)),
        201,
        {"Location": _activity_url(project.id, activity.id)},
    )
