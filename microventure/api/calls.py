"""Public open data: the published calls for proposals with their rules."""

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from microventure.accounts.models import OrganizationKind
from microventure.api.fields import Coded, LocalDateTime, StreetSchema, coded, one_of
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.calls import queries
from microventure.calls.models import CallStatus, Domain
from microventure.core.timeutil import utcnow

bp = Blueprint(
    "api_calls",
    __name__,
    url_prefix="/api/v1/calls",
    description="Calls for proposals (public, no token).",
)


class CallSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"example": "NC-2026-MCT"})
    title = fields.String(required=True)
    year = fields.Integer(required=True)
    description = fields.String(required=True)
    street = fields.Nested(
        StreetSchema, allow_none=True, required=True, metadata={"description": "null: district."}
    )
    status = fields.Nested(Coded, required=True)
    state = fields.String(
        required=True,
        validate=validate.OneOf(queries.CallState.ALL),
        metadata={"description": "For applicants: upcoming, open (takes applications), closed."},
    )
    domains = fields.List(fields.Nested(Coded), required=True)
    eligible_kinds = fields.List(
        fields.Nested(Coded), required=True, metadata={"description": "Empty: every kind."}
    )
    budget_fen = fields.Integer(required=True)
    grant_min_fen = fields.Integer(required=True)
    grant_max_fen = fields.Integer(required=True)
    max_grant_share_percent = fields.Integer(
        required=True, metadata={"description": "Of a project's total budget."}
    )
    max_applications_per_org = fields.Integer(required=True)
    opens_at = LocalDateTime(required=True)
    closes_at = LocalDateTime(required=True, metadata={"description": "The deadline."})
    project_starts_on = fields.Date(required=True)
    project_ends_on = fields.Date(required=True)
    url = fields.Url(required=True, metadata={"description": "The call's page."})


def call_data(call, now) -> dict:
    return {
        "id": call.id,
        "code": call.code,
        "title": call.title,
        "year": call.year,
        "description": call.description,
        "street": call.street,
        "status": coded(call.status, CallStatus),
        "state": queries.state_of(call, now),
        "domains": [coded(d, Domain) for d in call.domains],
        "eligible_kinds": [coded(k, OrganizationKind) for k in call.eligible_kinds],
        "budget_fen": call.budget,
        "grant_min_fen": call.grant_min,
        "grant_max_fen": call.grant_max,
        "max_grant_share_percent": call.max_grant_share,
        "max_applications_per_org": call.max_applications_per_org,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "project_starts_on": call.project_starts_on,
        "project_ends_on": call.project_ends_on,
        "url": url_for("calls.detail", call_id=call.id, _external=True),
    }


class CallFilters(PageArgs):
    state = fields.String(
        validate=validate.OneOf(queries.CallState.ALL),
        metadata={"enum": list(queries.CallState.ALL)},
    )
    street_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    domain = one_of(Domain)
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


@bp.get("")
@bp.arguments(CallFilters, location="query", as_kwargs=True)
@bp.response(200, page_of(CallSchema))
def list_calls(page: int, per_page: int, **filters):
    """Published calls, latest deadline first.

    Drafts are never listed. Filter by `state` (upcoming, open, closed), `street_id`, `domain`
    and `year`."""
    now = utcnow()
    result = queries.published_calls(now, page=page, per_page=per_page, **filters)
    return envelope(result) | {"items": [call_data(c, now) for c in result.items]}


@bp.get("/<int:call_id>")
@bp.response(200, CallSchema)
def get_call(call_id: int):
    """One published call."""
    from microventure.api.access import allowed_or_404

    call = allowed_or_404(queries.call_page(call_id), "call.view")
    return call_data(call, utcnow())
