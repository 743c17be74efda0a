"""An admin's reads of their calls through the API: the screening list (资格审查) and the
ranking (评审排名). The same queries and policy as the admin pages (applications/
screening_views.py, reviews/ranking/views.py): a call the admin does not manage is not found."""

from flask import abort, url_for
from flask_login import current_user
from marshmallow import Schema, fields, validate

from microventure.api.auth import READ, token_required
from microventure.api.fields import Coded, LocalDateTime, coded, count, one_of
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.api.spec import Blueprint
from microventure.applications import screening_queries
from microventure.applications.models import ApplicationStatus
from microventure.calls.models import Call, Domain
from microventure.core.policy import can
from microventure.extensions import db
from microventure.reviews.models import Recommendation
from microventure.reviews.ranking.queries import ranking

bp = Blueprint(
    "api_admin",
    __name__,
    url_prefix="/api/v1/admin/calls",
    description="Admins: the screening list and the ranking of the calls you manage (token).",
    tag="Admin: screening and ranking",
)

SCREENED_STATES = [s.value for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]
SORTS = [*screening_queries.SORTS, *(f"-{s}" for s in screening_queries.SORTS)]


def _call(call_id: int, action: str) -> Call:
    call = db.session.get(Call, call_id)
    if call is None or not can(current_user, action, call):
        abort(404)
    return call


# ----------------------------------------------------------------------------------- screening


class ScreeningArgs(PageArgs):
    state = fields.String(
        validate=validate.OneOf(SCREENED_STATES), metadata={"enum": SCREENED_STATES}
    )
    domain = one_of(Domain)
    community = count(1, strict=False, metadata={"description": "A community's id."})
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Part of the reference, title or organisation's name."},
    )
    sort = fields.String(
        load_default="submitted_at",
        validate=validate.OneOf(SORTS),
        metadata={"enum": SORTS, "description": "A leading '-' sorts descending."},
    )


class SubmissionSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Nested(Coded, required=True)
    domain = fields.Nested(Coded, allow_none=True, required=True)
    community_ids = fields.List(fields.Integer(), required=True)
    submitted_at = LocalDateTime(allow_none=True, required=True)
    organization_id = fields.Integer(required=True)
    organization = fields.String(required=True)
    requested_fen = fields.Integer(required=True)
    total_budget_fen = fields.Integer(required=True)
    versions = fields.Integer(required=True, metadata={"description": "Submitted versions."})
    url = fields.Url(required=True, metadata={"description": "The application's page."})


class StateCount(Schema):
    state = fields.Nested(Coded, required=True)
    count = fields.Integer(required=True)


SubmissionPage = page_of(SubmissionSchema)


class ScreeningSchema(SubmissionPage):
    counts = fields.List(
        fields.Nested(StateCount),
        required=True,
        metadata={"description": "Submissions per state, under every filter but the state."},
    )


def _submission(row) -> dict:
    return {
        "id": row.id,
        "reference": row.reference,
        "title": row.title,
        "status": coded(row.status, ApplicationStatus),
        "domain": coded(row.domain, Domain),
        "community_ids": list(row.community_ids or []),
        "submitted_at": row.submitted_at,
        "organization_id": row.organization_id,
        "organization": row.organization,
        "requested_fen": row.requested,
        "total_budget_fen": row.total,
        "versions": row.versions,
        "url": url_for("screening.screen", application_id=row.id, _external=True),
    }


@bp.get("/<int:call_id>/applications")
@token_required(bp, READ)
@bp.arguments(ScreeningArgs, location="query", as_kwargs=True)
@bp.response(200, ScreeningSchema)
@bp.alt_response(404, response="NOT_FOUND")
def screening_list(call_id: int, page: int, per_page: int, sort: str, **args):
    """The call's submissions (never drafts), filtered and sorted as on the screening page, with
    the count in each state."""
    call = _call(call_id, "call.manage")
    filters = screening_queries.Filters(
        state=args.get("state"),
        domain=args.get("domain"),
        community=args.get("community"),
        search=(args.get("q") or "").strip() or None,
        sort=sort.removeprefix("-"),
        descending=sort.startswith("-"),
    )
    result = screening_queries.submissions(call.id, filters, page=page, per_page=per_page)
    counts = screening_queries.state_counts(call.id, filters)
    return envelope(result) | {
        "items": [_submission(row) for row in result.items],
        "counts": [
            {"state": coded(state, ApplicationStatus), "count": n} for state, n in counts.items()
        ],
    }


# ------------------------------------------------------------------------------------- ranking


class ReviewerTotal(Schema):
    reviewer_id = fields.Integer(required=True)
    total = fields.Float(required=True)


class CriterionMean(Schema):
    criterion_id = fields.Integer(required=True)
    mean = fields.Float(required=True)


class RecommendationCount(Schema):
    recommendation = fields.Nested(Coded, required=True)
    count = fields.Integer(required=True)


class RankSchema(Schema):
    rank = fields.Integer(required=True, metadata={"description": "1: the best aggregate."})
    application_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    organization = fields.String(required=True)
    status = fields.Nested(Coded, required=True)
    requested_fen = fields.Integer(required=True)
    assigned = fields.Integer(required=True, metadata={"description": "Reviewers assigned."})
    reviews = fields.Integer(required=True, metadata={"description": "Reviews submitted."})
    aggregate = fields.Float(
        allow_none=True, required=True, metadata={"description": "By the call's method."}
    )
    stdev = fields.Float(allow_none=True, required=True)
    spread = fields.Float(allow_none=True, required=True, metadata={"description": "max − min."})
    disagreement = fields.Boolean(required=True)
    normalised = fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "Mean z-score over reviewers with enough reviews."},
    )
    totals = fields.List(fields.Nested(ReviewerTotal), required=True)
    criterion_means = fields.List(fields.Nested(CriterionMean), required=True)
    suggested_fen = fields.List(fields.Integer(), required=True)
    recommendations = fields.List(fields.Nested(RecommendationCount), required=True)


class RankingSchema(Schema):
    call_id = fields.Integer(required=True)
    aggregation = fields.String(required=True)
    items = fields.List(fields.Nested(RankSchema), required=True)


def _rank(n: int, row) -> dict:
    return {
        "rank": n,
        "application_id": row.application_id,
        "reference": row.reference,
        "title": row.title,
        "organization": row.organization,
        "status": coded(row.status, ApplicationStatus),
        "requested_fen": row.requested,
        "assigned": row.assigned,
        "reviews": row.reviews,
        "aggregate": row.aggregate,
        "stdev": row.stdev,
        "spread": row.spread,
        "disagreement": row.disagreement,
        "normalised": row.normalised,
        "totals": [{"reviewer_id": k, "total": v} for k, v in sorted(row.totals.items())],
        "criterion_means": [
            {"criterion_id": k, "mean": v} for k, v in sorted(row.criterion_means.items())
        ],
        "suggested_fen": list(row.suggested),
        "recommendations": [
            {"recommendation": coded(k, Recommendation), "count": v}
            for k, v in row.recommendations.items()
        ],
    }


@bp.get("/<int:call_id>/ranking")
@token_required(bp, READ)
@bp.response(200, RankingSchema)
@bp.alt_response(404, response="NOT_FOUND")
def call_ranking(call_id: int):
    """The call's ranking, best aggregate first, with every figure of the ranking page (not
    paged: a call's ranking is read whole, as the funding line walks it)."""
    call = _call(call_id, "review.manage")
    return {
        "call_id": call.id,
        "aggregation": call.aggregation.value,
        "items": [_rank(n, row) for n, row in enumerate(ranking(call), start=1)],
    }
