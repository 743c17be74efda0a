"""The applicant's applications (申报书) through the API: their organisations' list, one
application, starting and saving a draft, submitting. The same queries, services, submission
rules and policy as the pages (applications/views.py)."""

import functools
from types import SimpleNamespace

from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from microventure.api.access import allowed_or_404
from microventure.api.auth import READ, WRITE, token_required
from microventure.api.fields import Coded, LocalDateTime, coded, count, one_of, text
from microventure.api.multipart import MULTIPART
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.api.spec import Blueprint, FieldProblem
from microventure.applications import queries, rules, services
from microventure.applications.models import Application, ApplicationStatus, FundingSource
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, Domain
from microventure.core.errors import DomainError, RuleViolations, problem_response
from microventure.core.policy import can
from microventure.core.timeutil import utcnow
from microventure.extensions import db

bp = Blueprint(
    "api_applications",
    __name__,
    url_prefix="/api/v1/applications",
    description="Your organisations' applications: drafts, saving, submitting (token).",
    tag="Applications",
)

MAX_ROWS = 100
MONEY_MAX = 10**11  # fen: a billion yuan, far above any grant, well inside BIGINT sums
# the API's names of the fields a rule may concern, where they differ from the service's
API_NAMES = {"unit_price": "unit_price_fen", "requested": "requested_fen"}


def api_field(name: str | None) -> str | None:
    """A service's field name (``budget_lines-2-unit_price``) as the API's (dotted)."""
    if not name:
        return None
    return ".".join(API_NAMES.get(part, part) for part in name.split("-"))


def problems_of(problems) -> list[dict]:
    return [{"field": api_field(field), "message": str(message)} for field, message in problems]


# ------------------------------------------------------------------------------------- schemas


class ActivityRowSchema(Schema):
    name = text(120, required=True)
    month = text(7, required=True, metadata={"example": "2027-03", "description": "YYYY-MM."})
    sessions = count(1, 10_000, required=True)
    participants = count(0, 100_000_000, required=True, metadata={"description": "Person-times."})


class IndicatorRowSchema(Schema):
    name = text(120, required=True)
    target = count(0, 100_000_000, required=True)
    unit = text(20, required=True)


class TeamRowSchema(Schema):
    name = text(60, required=True)
    role = text(60, required=True)
    qualification = text(120, load_default="")


class BudgetRowSchema(Schema):
    category = one_of(BudgetCategory, required=True)
    item = text(120, required=True)
    unit_price_fen = count(0, MONEY_MAX, required=True)
    quantity = count(1, 100_000, required=True)
    source = one_of(FundingSource, required=True)


def _rows(schema) -> fields.List:
    return fields.List(
        fields.Nested(schema), load_default=list, validate=validate.Length(max=MAX_ROWS)
    )


class DraftSchema(Schema):
    """What the applicant writes, all of it (a save replaces the draft's content, as the edit
    page does); a draft may leave anything empty, the submission checks it all."""

    title = text(200, load_default="")
    domain = one_of(Domain, load_default=None, allow_none=True)
    community_ids = fields.List(count(1), load_default=list, validate=validate.Length(max=MAX_ROWS))
    beneficiary_groups = text(200, load_default="")
    direct_beneficiaries = count(0, 100_000_000, load_default=None, allow_none=True)
    indirect_beneficiaries = count(0, 100_000_000, load_default=None, allow_none=True)
    summary = text(10_000, load_default="")
    need_analysis = text(10_000, load_default="")
    objectives = text(10_000, load_default="")
    risks = text(10_000, load_default="")
    sustainability = text(10_000, load_default="")
    activities = _rows(ActivityRowSchema)
    indicators = _rows(IndicatorRowSchema)
    team = _rows(TeamRowSchema)
    budget_lines = _rows(BudgetRowSchema)


class StartSchema(Schema):
    call_id = count(1, required=True)
    organization_id = count(
        1, metadata={"description": "Needed when you belong to several organisations."}
    )


class CallRefSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    closes_at = LocalDateTime(required=True)


class ApplicationSummarySchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(allow_none=True, required=True)
    status = fields.Nested(Coded, required=True)
    title = fields.String(required=True)
    call = fields.Nested(CallRefSchema, required=True)
    organization = fields.String(required=True)
    requested_fen = fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    updated_at = LocalDateTime(allow_none=True, required=True)
    submitted_at = LocalDateTime(allow_none=True, required=True)
    url = fields.Url(required=True, metadata={"description": "This application in the API."})


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Nested(Coded, required=True)
    name = fields.String(required=True)


class ActivityRowOut(ActivityRowSchema):
    pass


class BudgetRowOut(BudgetRowSchema):
    category = fields.Nested(Coded, required=True)
    source = fields.Nested(Coded, required=True)


class ApplicationSchema(ApplicationSummarySchema):
    domain = fields.Nested(Coded, allow_none=True, required=True)
    community_ids = fields.List(fields.Integer(), required=True)
    beneficiary_groups = fields.String(required=True)
    direct_beneficiaries = fields.Integer(allow_none=True, required=True)
    indirect_beneficiaries = fields.Integer(allow_none=True, required=True)
    summary = fields.String(required=True)
    need_analysis = fields.String(required=True)
    objectives = fields.String(required=True)
    risks = fields.String(required=True)
    sustainability = fields.String(required=True)
    activities = fields.List(fields.Nested(ActivityRowOut), required=True)
    indicators = fields.List(fields.Nested(IndicatorRowSchema), required=True)
    team = fields.List(fields.Nested(TeamRowSchema), required=True)
    budget_lines = fields.List(fields.Nested(BudgetRowOut), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    editable = fields.Boolean(required=True, metadata={"description": "May be saved now."})
    problems = fields.List(
        fields.Nested(FieldProblem),
        required=True,
        metadata={
            "description": "What stops a submission now, each with its field (the pages' "
            "“Check”); empty when it can be submitted or is not a draft."
        },
    )


def _summary(row) -> dict:
    """A row of ``queries.applications_of`` (or an application's own values, by the same names)."""
    return {
        "id": row.id,
        "reference": row.reference,
        "status": coded(row.status, ApplicationStatus),
        "title": row.title,
        "call": {"id": row.call_id, "title": row.call_title, "closes_at": row.call_closes_at},
        "organization": row.organization_name,
        "requested_fen": row.requested or 0,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "submitted_at": row.submitted_at,
        "url": url_for("api_applications.get_application", application_id=row.id, _external=True),
    }


def _rows_data(application: Application) -> dict:
    """The application's repeatable rows, as the API writes them."""
    return {
        **services.plain_rows(application),
        "budget_lines": [
            {
                "category": coded(b.category, BudgetCategory),
                "item": b.item,
                "unit_price_fen": b.unit_price,
                "quantity": b.quantity,
                "source": coded(b.source, FundingSource),
            }
            for b in application.budget_lines
        ],
    }


def application_data(application: Application) -> dict:
    call = application.call
    editable = can(current_user, "application.edit", application)
    problems = rules.submission_problems(application, at=utcnow()) if editable else []
    row = SimpleNamespace(
        **{
            "id": application.id,
            "reference": application.reference,
            "status": application.status,
            "title": application.title,
            "call_id": call.id,
            "call_title": call.title,
            "call_closes_at": call.closes_at,
            "organization_name": application.organization.name,
            "requested": application.requested_amount,
            "created_at": application.created_at,
            "updated_at": application.updated_at,
            "submitted_at": application.submitted_at,
        }
    )
    return _summary(row) | {
        "domain": coded(application.domain, Domain),
        "community_ids": list(application.community_ids or []),
        "beneficiary_groups": application.beneficiary_groups,
        "direct_beneficiaries": application.direct_beneficiaries,
        "indirect_beneficiaries": application.indirect_beneficiaries,
        **{name: getattr(application, name) for name in services.TEXT_FIELDS if name != "title"},
        **_rows_data(application),
        "attachments": [
            {"id": a.id, "kind": coded(a.kind, AttachmentKind), "name": a.original_name}
            for a in application.current_attachments
        ],
        "editable": editable,
        "problems": problems_of(problems),
    }


def _content(data: dict) -> services.ApplicationContent:
    return services.ApplicationContent(
        **{name: data[name] for name in services.TEXT_FIELDS},
        domain=Domain(data["domain"]) if data["domain"] else None,
        community_ids=data["community_ids"],
        direct_beneficiaries=data["direct_beneficiaries"],
        indirect_beneficiaries=data["indirect_beneficiaries"],
        activities=[services.ActivityRow(**row) for row in data["activities"]],
        indicators=[services.IndicatorRow(**row) for row in data["indicators"]],
        team=[services.TeamRow(**row) for row in data["team"]],
        budget_lines=[
            services.BudgetRow(
                category=BudgetCategory(row["category"]),
                item=row["item"],
                unit_price=row["unit_price_fen"],
                quantity=row["quantity"],
                source=FundingSource(row["source"]),
            )
            for row in data["budget_lines"]
        ],
    )


def refused(exc: DomainError):
    """A service's refusal as a 422 whose ``errors`` use the API's field names."""
    db.session.rollback()
    problems = exc.problems if isinstance(exc, RuleViolations) else [(exc.field, exc.message)]
    errors = problems_of(problems)
    detail = errors[0]["message"] if len(errors) == 1 else None
    return problem_response(422, detail, errors=errors)


NOT_EDITABLE = _l("This application can no longer be changed.")


def _visible(application_id: int) -> Application:
    return allowed_or_404(queries.application_page(application_id), "application.view")


NOT_JSON = _l("Send the data as JSON (Content-Type: application/json).")


def json_body(view):
    """The operation reads a JSON body: another kind is a 415, never read as an empty object
    (which would save an empty draft)."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not request.is_json:
            return problem_response(415, NOT_JSON)
        return view(*args, **kwargs)

    return checked


# ------------------------------------------------------------------------------------ operations


@bp.get("")
@token_required(bp, READ)
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_of(ApplicationSummarySchema))
def list_applications(page: int, per_page: int):
    """The applications of every organisation you belong to, newest first."""
    result = queries.applications_of(current_user, page=page, per_page=per_page)
    return envelope(result) | {"items": [_summary(row) for row in result.items]}


@bp.post("")
@token_required(bp, WRITE)
@json_body
@bp.arguments(StartSchema)
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@bp.response(201, ApplicationSchema)
@bp.alt_response(200, schema=ApplicationSchema, description="The draft you already have.")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def start_application(data: dict):
    """Start a draft for a call (申报). Like the page: when your organisation already has a draft
    for the call, that draft is answered (200) and no second one is made."""
    call = db.session.get(Call, data["call_id"])
    if call is None or not can(current_user, "call.view", call):
        abort(404)
    if not can(current_user, "application.start"):
        abort(403)
    mine = sorted(current_user.organization_ids())
    organization_id = data.get("organization_id") or (mine[0] if len(mine) == 1 else None)
    if organization_id not in mine:
        return refused(
            DomainError(
                _l("Say for which of your organisations (organization_id) the application is."),
                field="organization_id",
            )
        )
    try:  # of two POSTs at once, the second finds the first one's draft (the service locks)
        started = services.start_or_resume(
            call=call, organization_id=organization_id, actor=current_user
        )
    except DomainError as exc:
        return refused(exc)
    db.session.commit()
    data = application_data(_visible(started.application.id))
    if not started.is_new:
        return data, 200
    return data, 201, {"Location": url_for(".get_application", application_id=data["id"])}


@bp.get("/<int:application_id>")
@token_required(bp, READ)
@bp.response(200, ApplicationSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_application(application_id: int):
    """One application with its content and, for a draft, what still stops its submission."""
    return application_data(_visible(application_id))


@bp.put("/<int:application_id>")
@token_required(bp, WRITE)
@json_body
@bp.arguments(DraftSchema)
@bp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@bp.response(200, ApplicationSchema)
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def save_draft(data: dict, application_id: int):
    """Save the draft's content: all of it, as sent (rows are replaced). Nothing is checked
    against the call but the shape of the data; ``problems`` in the answer lists what would
    stop a submission."""
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return problem_response(409, NOT_EDITABLE)
    try:
        services.save_draft(application=application, content=_content(data), actor=current_user)
    except DomainError as exc:
        return refused(exc)
    db.session.commit()
    return application_data(_visible(application_id))


@bp.post("/<int:application_id>/submit")
@token_required(bp, WRITE)
@bp.response(200, ApplicationSchema)
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def submit_application(application_id: int):
    """Submit the saved draft (提交申报). Every rule it breaks is listed in the problem's
    ``errors`` with the field it concerns; a submitted one gets its reference number."""
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return problem_response(409, NOT_EDITABLE)
    try:
        services.submit(application=application, actor=current_user)
    except DomainError as exc:
        return refused(exc)
    db.session.commit()
    return application_data(_visible(application_id))


class AttachmentUpload(Schema):
    kind = one_of(AttachmentKind, required=True)
    file = Upload(required=True, metadata={"description": "PDF, Word, Excel or an image."})


@bp.post("/<int:application_id>/attachments")
@token_required(bp, WRITE)
@bp.arguments(AttachmentUpload, location=MULTIPART)
@bp.response(201, ApplicationSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def add_attachment(form: dict, application_id: int):
    """Attach a document to the draft (multipart/form-data: ``kind`` and ``file``), e.g. the
    project plan a call requires before submission; the same checks as the page's upload."""
    application = _visible(application_id)
    if not can(current_user, "application.edit", application):
        return problem_response(409, NOT_EDITABLE)
    try:
        services.add_attachment(
            application=application,
            kind=AttachmentKind(form["kind"]),
            upload=form["file"],
            actor=current_user,
        )
    except DomainError as exc:
        return refused(exc)
    db.session.commit()
    return application_data(_visible(application_id)), 201
