"""Public open data: the results figures of the public results page (成效公开) — the district's
totals, per street, per service domain and per month, and the funds per street — from the same
cached figures (stats/public_queries.district_figures, stats/cache.py and snapshots.py), so the
API and the page always show the same numbers."""

from flask import url_for
from marshmallow import Schema, fields

from microventure.api.fields import Coded, StreetSchema, coded
from microventure.api.spec import Blueprint
from microventure.calls.models import Domain
from microventure.stats import public_queries, tables

bp = Blueprint(
    "api_results",
    __name__,
    url_prefix="/api/v1/results",
    description="The results figures of the district (public, no token).",
    tag="Results",
)

MEANING = {
    "received": "Applications received (submitted).",
    "approved": "Applications approved.",
    "amount_approved": "Grants approved.",
    "amount_disbursed": "Grants paid out, less what was returned.",
    "activities": "Activities held (accepted activity records only).",
    "participants": "Participants of those activities (person-times).",
    "volunteer_hours": "Volunteer hours.",
    "problems_solved": "Community problems solved.",
    "raised": "Money raised by the funds.",
    "reserved": "Reserved for calls.",
    "committed": "Committed to approved projects.",
    "disbursed": "Paid out.",
    "available": "Still available.",
}


def _name(column: tables.Column) -> str:
    return f"{column.key}_fen" if column.kind == tables.MONEY else column.key


def _field(column: tables.Column):
    kind = fields.Float if column.kind == tables.HOURS else fields.Integer
    return kind(required=True, metadata={"description": MEANING[column.key]})


def _measures(group: tables.Group, name: str, **keys) -> type[Schema]:
    return Schema.from_dict(keys | {_name(c): _field(c) for c in group.columns}, name=name)


Figures = _measures(tables.PUBLIC, "Figures")
StreetFigures = _measures(
    tables.PUBLIC, "StreetFigures", street=fields.Nested(StreetSchema, allow_none=True)
)
DomainFigures = _measures(
    tables.PUBLIC,
    "DomainFigures",
    domain=fields.Nested(
        Coded, allow_none=True, metadata={"description": "null: no domain given."}
    ),
)
MonthFigures = _measures(
    tables.PUBLIC,
    "MonthFigures",
    month=fields.String(metadata={"description": "YYYY-MM, Beijing time.", "example": "2026-03"}),
)
Funds = _measures(tables.FUNDS, "Funds")
StreetFunds = _measures(
    tables.FUNDS,
    "StreetFunds",
    street=fields.Nested(
        StreetSchema, allow_none=True, metadata={"description": "null: the district's fund."}
    ),
)


class ResultsSchema(Schema):
    total = fields.Nested(Figures, required=True, metadata={"description": "The district's."})
    funds = fields.Nested(Funds, required=True, metadata={"description": "All funds together."})
    by_street = fields.List(fields.Nested(StreetFigures), required=True)
    by_domain = fields.List(fields.Nested(DomainFigures), required=True)
    by_month = fields.List(
        fields.Nested(MonthFigures),
        required=True,
        metadata={"description": "Each figure in the month it happened, oldest first."},
    )
    funds_by_street = fields.List(fields.Nested(StreetFunds), required=True)
    url = fields.Url(required=True, metadata={"description": "The public results page."})


def _values(group: tables.Group, row) -> dict:
    return {_name(c): _number(c.value(row)) for c in group.columns}


def _number(value):
    return value if isinstance(value, int) else float(value)


def _street(board, street_id) -> dict | None:
    street = board.street(street_id)
    if street is None:
        return None
    return {"id": street.id, "name": street.name, "name_en": street.name_en}


@bp.get("")
@bp.response(200, ResultsSchema)
def get_results():
    """The district's results figures.

    The numbers of the public results page: applications, grants, activities and funds, in
    total, per street, per service domain and per month. Computed once and kept while the data
    is unchanged."""
    board = public_queries.district_figures()
    public, funds = tables.PUBLIC, tables.FUNDS
    return {
        "total": _values(public, tables.total(board, public)),
        "funds": _values(funds, tables.total(board, funds)),
        "by_street": [
            {"street": _street(board, key)} | _values(public, row)
            for key, row in tables.rows(board, "street", public)
        ],
        "by_domain": [
            {"domain": coded(key, Domain)} | _values(public, row)
            for key, row in tables.rows(board, "domain", public)
        ],
        "by_month": [
            {"month": key} | _values(public, row)
            for key, row in tables.rows(board, "month", public)
        ],
        "funds_by_street": [
            {"street": _street(board, key)} | _values(funds, row)
            for key, row in tables.rows(board, "street", funds)
        ],
        "url": url_for("results.index", _external=True),
    }
