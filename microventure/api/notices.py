"""Public open data: the published notices (公示) with the projects they recommend, over the same
queries as the notice pages (decisions/queries.py)."""

from flask import abort, url_for
from marshmallow import Schema, fields, validate

from microventure.api.fields import LocalDateTime, StreetSchema
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.api.spec import Blueprint
from microventure.core.timeutil import utcnow
from microventure.decisions import queries
from microventure.decisions.public_views import publisher_of

bp = Blueprint(
    "api_notices",
    __name__,
    url_prefix="/api/v1/notices",
    description="Public notices (公示) of the projects recommended for a grant (public, no token).",
    tag="Notices",
)

STATE = {
    "description": "open: objections are taken until `ends_at`; ended: the window has closed.",
    "enum": list(queries.NoticeState.ALL),
}


class NoticeSchema(Schema):
    call_id = fields.Integer(required=True, metadata={"description": "The call it belongs to."})
    code = fields.String(required=True, metadata={"example": "NC-2026-01"})
    title = fields.String(required=True)
    street = fields.Nested(
        StreetSchema, allow_none=True, required=True, metadata={"description": "null: district."}
    )
    state = fields.String(
        required=True, validate=validate.OneOf(queries.NoticeState.ALL), metadata=STATE
    )
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "Its last day (Beijing time)."})
    ends_at = LocalDateTime(required=True, metadata={"description": "When objections close."})
    working_days = fields.Integer(required=True)
    published_at = LocalDateTime(required=True)
    project_count = fields.Integer(
        required=True, metadata={"description": "Projects it recommends (less any withdrawn)."}
    )
    total_fen = fields.Integer(required=True, metadata={"description": "Their grants' total."})
    url = fields.Url(required=True, metadata={"description": "The notice's page."})


class NoticeProjectSchema(Schema):
    reference = fields.String(required=True, metadata={"example": "NC-2026-01-001"})
    title = fields.String(required=True)
    organization = fields.String(required=True)
    street = fields.Nested(StreetSchema, required=True)
    amount_fen = fields.Integer(required=True, metadata={"description": "The recommended grant."})
    withdrawn = fields.Boolean(
        required=True,
        metadata={"description": "Its recommendation was revoked after an objection."},
    )


class NoticeDetailSchema(NoticeSchema):
    publisher = fields.String(
        required=True, metadata={"description": "Who published it and reads the objections."}
    )
    projects = fields.List(
        fields.Nested(NoticeProjectSchema),
        required=True,
        metadata={"description": "By reference, the withdrawn ones included."},
    )
    reviewers = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The reviewers' names when the notice shows them, else empty."},
    )


def _street(street_id, name, name_en) -> dict | None:
    return None if street_id is None else {"id": street_id, "name": name, "name_en": name_en}


def _state(ends_at, now) -> str:
    return queries.NoticeState.OPEN if now < ends_at else queries.NoticeState.ENDED


class NoticeFilters(PageArgs):
    state = fields.String(validate=validate.OneOf(queries.NoticeState.ALL), metadata=STATE)


@bp.get("")
@bp.arguments(NoticeFilters, location="query", as_kwargs=True)
@bp.response(200, page_of(NoticeSchema))
def list_notices(page: int, per_page: int, state: str | None = None):
    """Published notices, newest first.

    What the public notices page lists. Filter by `state`: `open` (taking objections now) or
    `ended`."""
    now = utcnow()
    result = queries.published_notices(page=page, per_page=per_page, state=state, now=now)
    items = [
        {
            "call_id": n.call_id,
            "code": n.code,
            "title": n.title,
            "street": _street(n.street_id, n.street, n.street_en),
            "state": _state(n.ends_at, now),
            "starts_on": n.starts_on,
            "ends_on": n.ends_on,
            "ends_at": n.ends_at,
            "working_days": n.working_days,
            "published_at": n.published_at,
            "project_count": n.projects,
            "total_fen": n.total,
            "url": url_for("notices.show", call_id=n.call_id, _external=True),
        }
        for n in result.items
    ]
    return envelope(result) | {"items": items}


@bp.get("/<int:call_id>")
@bp.response(200, NoticeDetailSchema)
def get_notice(call_id: int):
    """The notice of one call, with its projects and amounts.

    What the notice's page shows (the objection form aside). 404 while the call has no
    published notice."""
    found = queries.public_notice(call_id) or abort(404)
    call, notice = found
    now = utcnow()
    projects = queries.notice_projects(call.id)
    standing = [p for p in projects if not p.withdrawn]
    street = call.street
    return {
        "call_id": call.id,
        "code": call.code,
        "title": call.title,
        "street": street and _street(street.id, street.name, street.name_en),
        "state": _state(notice.ends_at, now),
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "ends_at": notice.ends_at,
        "working_days": notice.working_days,
        "published_at": notice.published_at,
        "project_count": len(standing),
        "total_fen": sum(p.amount for p in standing),
        "url": url_for("notices.show", call_id=call.id, _external=True),
        "publisher": publisher_of(call),
        "projects": [
            {
                "reference": p.reference,
                "title": p.title,
                "organization": p.organization,
                "street": _street(p.street_id, p.street, p.street_en),
                "amount_fen": p.amount,
                "withdrawn": p.withdrawn,
            }
            for p in projects
        ],
        "reviewers": queries.reviewer_names(call.id) if notice.show_reviewers else [],
    }
