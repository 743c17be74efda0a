"""Read side of the public results page: the district's figures, the funded projects, open
calls and current notices — aggregates and organisations only, never personal data."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from microventure.accounts.models import Organization, Street
from microventure.applications.models import Application
from microventure.calls.models import Call, Domain
from microventure.core.pagination import paginate_rows
from microventure.decisions.models import Notice
from microventure.extensions import db
from microventure.projects.models import Project
from microventure.stats import board, queries
from microventure.stats.forms import Filters


@dataclass(frozen=True)
class Results:
    board: board.Dashboard  # the whole district, no filters
    projects: object  # a page of rows
    notices: list


def _project_filters(street, street_id, domain, year, call_id) -> list:
    conditions = []
    if street_id is not None:
        conditions.append(street == street_id)
    if domain is not None:
        conditions.append(Application.domain == domain)
    if year is not None:
        conditions.append(Call.year == year)
    if call_id is not None:
        conditions.append(Project.call_id == call_id)
    return conditions


def funded_projects(
    *,
    page: int,
    per_page: int,
    street_id: int | None = None,
    domain: Domain | None = None,
    year: int | None = None,
    call_id: int | None = None,
):
    """Every funded project, newest call first: title, organisation, street, domain, amount and
    status (one page of plain rows and their count), of one street, domain, year or call when
    asked. A project's street is its call's, or for a district-wide call its organisation's
    (as in the figures: ``stats.queries.street_of``)."""
    street = func.coalesce(Call.street_id, Organization.street_id)
    conditions = _project_filters(street, street_id, domain, year, call_id)

    def joined(*columns):
        return (
            select(*columns)
            .join(Call, Call.id == Project.call_id)
            .join(Organization, Organization.id == Project.organization_id)
            .join(Application, Application.id == Project.application_id)
        )

    rows = (
        joined(
            Project.id,
            Project.title,
            Project.amount,
            Project.status,
            Application.domain,
            Organization.name.label("organization"),
            Street.id.label("street_id"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            Call.id.label("call_id"),
            Call.code,
            Call.year,
        )
        .join(Street, Street.id == street)
        .where(*conditions)
        .order_by(Call.year.desc(), Call.id.desc(), Project.id)
    )
    ids = joined(Project.id).where(*conditions) if conditions else select(Project.id)
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def current_notices(now: datetime) -> list:
    """Notices open for objections now, soonest end first."""
    return db.session.execute(
        select(
            Notice.call_id,
            Notice.ends_on,
            Call.code,
            Call.title,
            Street.name.label("street"),
            Street.name_en.label("street_en"),
        )
        .join(Call, Call.id == Notice.call_id)
        .outerjoin(Street, Street.id == Call.street_id)
        .where(Notice.ends_at > now)
        .order_by(Notice.ends_at, Notice.id)
    ).all()


def district_figures() -> board.Dashboard:
    """The whole district's figures, unfiltered, and its streets (the page's and the API's):
    nine queries, two while the figures are cached."""
    scope = queries.Scope.of(Filters(), None)
    found, (funds, funds_by_street) = board.figures_and_funds(scope)
    return board.Dashboard(scope, found, funds, funds_by_street, [], board.street_choices(None))


def results(now: datetime, *, page: int, per_page: int) -> Results:
    """Everything the page shows but the open calls: twelve queries whatever the data (five
    while the figures are cached)."""
    return Results(
        district_figures(), funded_projects(page=page, per_page=per_page), current_notices(now)
    )
