"""Public open data: the funded projects, as the public results page lists them
(stats/public_queries.funded_projects): title, organisation, street, domain, grant and status —
no contact, person or reason."""

from marshmallow import Schema, fields, validate

from microventure.api.fields import Coded, StreetSchema, coded, one_of
from microventure.api.paging import PageArgs, envelope, page_of
from microventure.api.spec import Blueprint
from microventure.calls.models import Domain
from microventure.projects.models import ProjectStatus
from microventure.stats import public_queries

bp = Blueprint(
    "api_funded_projects",
    __name__,
    url_prefix="/api/v1/funded-projects",
    description="Funded projects (public, no token).",
    tag="Funded projects",
)

ID = validate.Range(min=1, max=2**31 - 1)


class FundedProjectSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    organization = fields.String(required=True, metadata={"description": "The funded one."})
    street = fields.Nested(
        StreetSchema,
        required=True,
        metadata={"description": "The call's, or for a district-wide call the organisation's."},
    )
    domain = fields.Nested(Coded, allow_none=True, required=True)
    amount_fen = fields.Integer(required=True, metadata={"description": "The grant."})
    status = fields.Nested(Coded, required=True)
    call_id = fields.Integer(required=True)
    call_code = fields.String(required=True, metadata={"example": "NC-2026-01"})
    year = fields.Integer(required=True, metadata={"description": "The call's year."})


class ProjectFilters(PageArgs):
    street_id = fields.Integer(validate=ID)
    domain = one_of(Domain)
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    call_id = fields.Integer(validate=ID)


@bp.get("")
@bp.arguments(ProjectFilters, location="query", as_kwargs=True)
@bp.response(200, page_of(FundedProjectSchema))
def list_funded_projects(page: int, per_page: int, domain: str | None = None, **filters):
    """Funded projects, newest call first.

    What the public results page lists. Filter by `street_id`, `domain`, `year` (the call's) and
    `call_id`."""
    result = public_queries.funded_projects(
        page=page, per_page=per_page, domain=domain and Domain(domain), **filters
    )
    items = [
        {
            "id": p.id,
            "title": p.title,
            "organization": p.organization,
            "street": {"id": p.street_id, "name": p.street, "name_en": p.street_en},
            "domain": coded(p.domain, Domain),
            "amount_fen": p.amount,
            "status": coded(p.status, ProjectStatus),
            "call_id": p.call_id,
            "call_code": p.code,
            "year": p.year,
        }
        for p in result.items
    ]
    return envelope(result) | {"items": items}
