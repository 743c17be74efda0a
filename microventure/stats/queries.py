"""Read side of the results: every figure from a fixed number of set-based SQL aggregates.

Each kind of fact (applications with the grant they ask for, projects with their tranches, accepted
activity records) is one query: its rows, filtered and scoped, are grouped at the finest grain
(call × street × domain × month) and added up in Python into the whole and each dimension, with
conditional sums for the measures; only the distinct count of organisations taking part is
grouped per dimension in SQL, so it is exact in every grouping. Accepted activity records are
read from their summary per project, domain and month (``ActivitySummary``, kept with every
acceptance), not one by one. So the dashboard costs the same number of queries whatever the
size of the data. Fund figures come from ``funds.queries.balances``, the same sums the fund
pages and the ledger reconcile with.

The dashboard's assembly (figures, funds, filter choices, the cache) is in ``board.py``. The
street of a figure is its call's street; for a district-wide call, the applying
organisation's street."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from microventure.accounts.models import Organization
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, Domain
from microventure.decisions.models import Decision, Outcome
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund
from microventure.funds.queries import RETURNED_TO_FUND, FundBalance, balances
from microventure.projects.models import (
    ActivitySummary,
    Project,
    ProjectStatus,
    Tranche,
    TrancheStatus,
    month_held,
)
from microventure.stats.forms import Filters

DIMENSIONS = ("call", "street", "domain", "month")

# Screening passed: every state an eligible application can move on to.
PASSED_SCREENING = (
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RECOMMENDED,
    ApplicationStatus.NOT_RECOMMENDED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.REJECTED,
)
IN_PROGRESS = (ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED)


class Measures(dict):
    """One row of figures; a measure nobody recorded is 0 (templates read ``row.approved``)."""

    def __missing__(self, key: str) -> int:
        return 0

    @property
    def success_rate(self) -> float | None:
        """Approved as a share of applications received (None before any is received)."""
        return self["approved"] / self["received"] if self["received"] else None


@dataclass
class Figures:
    total: Measures = field(default_factory=Measures)
    by: dict[str, dict[Any, Measures]] = field(
        default_factory=lambda: {dim: defaultdict(Measures) for dim in DIMENSIONS}
    )

    def rows(self, dim: str) -> list[tuple[Any, Measures]]:
        return sorted(self.by[dim].items(), key=lambda item: (item[0] is None, str(item[0])))


@dataclass(frozen=True)
class Scope:
    """Filters after the scope rule: ``streets`` None means every street."""

    filters: Filters
    streets: set[int] | None

    @classmethod
    def of(cls, filters: Filters, allowed: set[int] | None) -> "Scope":
        streets = allowed
        if filters.street is not None and (allowed is None or filters.street in allowed):
            streets = {filters.street}
        return cls(filters, streets)


def _sum(column):
    # PostgreSQL's sum(bigint) is numeric; fen and counts stay integers
    return sa.cast(func.coalesce(func.sum(column), 0), sa.BigInteger)


def _when(condition, value=1):
    return sa.case((condition, value), else_=0)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _local_month(column):
    """The month in Asia/Shanghai of a UTC timestamp (China has no daylight saving time)."""
    if _dialect() == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def street_of():
    return func.coalesce(Call.street_id, Organization.street_id)


def in_streets(streets: set[int]):
    """``street_of() IN streets``, written so that the calls of those streets can be found
    first (and their rows through the call_id indexes) instead of every row being joined and
    then tested: a street's call counts for that street; a district-wide one (no street) by
    the applying organisation's street."""
    streets = streets or {0}
    return Call.street_id.in_(streets) | (
        Call.street_id.is_(None) & Organization.street_id.in_(streets)
    )


def filtered(stmt, scope: Scope, domain_column):
    f = scope.filters
    if f.year is not None:
        stmt = stmt.where(Call.year == f.year)
    if f.call is not None:
        stmt = stmt.where(Call.id == f.call)
    if f.domain is not None:
        stmt = stmt.where(domain_column == f.domain)
    if scope.streets is not None:
        stmt = stmt.where(in_streets(scope.streets))
    return stmt


def _rollup(facts, measures: dict[str, Any], dims=DIMENSIONS) -> list:
    """One query: the measures over all of ``facts`` and per value of each dimension (for
    distinct counts, which cannot be added up from finer groups)."""
    parts = []
    for dim in (None, *dims):
        key = sa.cast(facts.c[dim], sa.String) if dim else sa.cast(sa.null(), sa.String)
        part = select(
            sa.literal_column(f"'{dim or 'total'}'").label("dim"),
            key.label("key"),
            *(expr.label(name) for name, expr in measures.items()),
        )
        parts.append(part.group_by(key) if dim else part)
    return db.session.execute(sa.union_all(*parts)).all()


def _grouped(*parts: tuple[Any, dict[str, Any]]) -> list[dict]:
    """One query: each part's additive measures grouped by call, street, domain and month (the
    finest grain, one pass over the rows); a part without a month groups by the other three.
    The parts go into one UNION ALL, each with zeros for the others' measures."""
    names = [name for _facts, measures in parts for name in measures]
    selects = []
    for facts, measures in parts:
        keys = [facts.c.call, facts.c.street, facts.c.domain]
        month = facts.c.month if "month" in facts.c else sa.cast(sa.null(), sa.String)
        columns = [measures.get(n, sa.cast(sa.literal_column("0"), sa.BigInteger)) for n in names]
        selects.append(
            select(
                *keys,
                month.label("month"),
                *(c.label(n) for c, n in zip(columns, names, strict=True)),
            ).group_by(*keys, *([month] if "month" in facts.c else []))
        )
    stmt = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    return [row._asdict() for row in db.session.execute(stmt)]


def _add_up(found: "Figures", rows: list[dict]) -> None:
    """Add finest-grain rows into the whole and into each dimension's groups."""
    for row in rows:
        keys = {dim: row.pop(dim) for dim in DIMENSIONS}
        if keys["domain"] is not None:
            keys["domain"] = Domain(keys["domain"])
        targets = [found.total] + [
            found.by[dim][key] for dim, key in keys.items() if dim != "month" or key is not None
        ]
        for target in targets:
            for name, value in row.items():
                if value:
                    target[name] += value


def _first_time():
    """The organisation's first application (the lowest id among the submitted ones): no
    earlier submitted application of the same organisation — an index probe per row
    (ix_applications_organization_submitted), so a scope reads only its own applications. (At
    district scale its estimated cost crosses PostgreSQL's default jit_above_cost; with jit on,
    compiling costs a miss ~40 ms: bench/RESULTS.md.)"""
    earlier = aliased(Application)
    return ~sa.exists().where(
        earlier.organization_id == Application.organization_id,
        earlier.reference.is_not(None),
        earlier.id < Application.id,
    )


def _submitted(stmt, scope: Scope):
    """``stmt`` on submitted applications, with their call and organisation, in the scope."""
    stmt = (
        stmt.join(Call, Call.id == Application.call_id)
        .join(Organization, Organization.id == Application.organization_id)
        .where(Application.reference.is_not(None))
    )
    return filtered(stmt, scope, Application.domain)


def _application_keys() -> list:
    return [
        Application.call_id.label("call"),
        street_of().label("street"),
        Application.domain.label("domain"),
        _local_month(Application.submitted_at).label("month"),
    ]


def _application_facts(scope: Scope):
    status, amount = Application.status, Decision.amount
    return _submitted(
        select(
            *_application_keys(),
            _when(status.in_(PASSED_SCREENING)).label("eligible"),
            _when(status == ApplicationStatus.APPROVED).label("approved"),
            _when(Decision.outcome == Outcome.RECOMMENDED, amount).label("recommended"),
            _when(status == ApplicationStatus.APPROVED, amount).label("granted"),
            Application.requested_grant.label("requested"),
            _when(_first_time()).label("first"),
        ).outerjoin(Decision, Decision.application_id == Application.id),
        scope,
    ).subquery()


def _application_measures(c) -> dict:
    return {
        "received": func.count(),
        "eligible": _sum(c.eligible),
        "amount_requested": _sum(c.requested),
        "approved": _sum(c.approved),
        "amount_recommended": _sum(c.recommended),
        "amount_approved": _sum(c.granted),
        "first_time": _sum(c.first),
    }


def _organizations(scope: Scope, dims=DIMENSIONS) -> list:
    """Organisations taking part: a distinct count, so per dimension in SQL (one query)."""
    facts = _submitted(
        select(*_application_keys(), Application.organization_id.label("org")), scope
    ).cte("taking_part")  # one pass over the applications for the five groupings
    return _rollup(facts, {"organizations": func.count(sa.distinct(facts.c.org))}, dims)


def project_rows(stmt, scope: Scope, domain_column=Application.domain):
    """``stmt`` on projects, with their call and organisation (for the street) and, when the
    domain filtered on is the application's, their application."""
    stmt = stmt.join(Call, Call.id == Project.call_id).join(
        Organization, Organization.id == Project.organization_id
    )
    if domain_column is Application.domain:
        stmt = stmt.join(Application, Application.id == Project.application_id)
    return filtered(stmt, scope, domain_column)


def _project_part(scope: Scope) -> tuple:
    facts = project_rows(
        select(
            Project.call_id.label("call"),
            street_of().label("street"),
            Application.domain.label("domain"),
            _when(Project.status.in_(IN_PROGRESS)).label("active"),
            _when(Project.status == ProjectStatus.COMPLETED).label("completed"),
            _when(Project.status == ProjectStatus.TERMINATED).label("terminated"),
        ),
        scope,
    ).subquery()
    c = facts.c
    return facts, {
        "projects": func.count(),
        "projects_active": _sum(c.active),
        "projects_completed": _sum(c.completed),
        "projects_terminated": _sum(c.terminated),
    }


def _tranche_part(scope: Scope) -> tuple:
    """Money paid out (by the day it was paid) and returned to the fund (by the day the tranche
    was withheld or released)."""
    paid = Tranche.status == TrancheStatus.PAID
    month = sa.case((paid, month_held(Tranche.paid_on)), else_=_local_month(Tranche.closed_at))
    facts = project_rows(
        select(
            Project.call_id.label("call"),
            street_of().label("street"),
            Application.domain.label("domain"),
            month.label("month"),
            _when(paid, Tranche.amount).label("paid"),
            _when(Tranche.status.in_(RETURNED_TO_FUND), Tranche.amount).label("returned"),
        )
        .select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id),
        scope,
    ).where(Tranche.status.in_((TrancheStatus.PAID, *RETURNED_TO_FUND)))
    facts = facts.subquery()
    return facts, {
        "amount_disbursed": _sum(facts.c.paid),
        "amount_returned": _sum(facts.c.returned),
    }


def _activity_part(scope: Scope) -> tuple:
    """Accepted activity records only: submitted and returned ones are not yet figures. Read
    from their summary per project, domain and month (``ActivitySummary``, kept with every
    acceptance), not from the records. The domain is the record's own (an activity may serve
    another domain than its application)."""
    s = ActivitySummary
    facts = project_rows(
        select(
            Project.call_id.label("call"),
            street_of().label("street"),
            s.domain.label("domain"),
            s.month,
            s.activities,
            s.participants,
            s.volunteers,
            s.volunteer_hours,
            s.problems_solved,
            s.verified_participants,
        )
        .select_from(s)
        .join(Project, Project.id == s.project_id),
        scope,
        s.domain,
    ).subquery()
    c = facts.c
    return facts, {
        "activities": _sum(c.activities),
        "participants": _sum(c.participants),
        "volunteers": _sum(c.volunteers),
        "volunteer_hours": sa.cast(
            func.coalesce(func.sum(c.volunteer_hours), 0), sa.Numeric(14, 1)
        ),
        "problems_solved": _sum(c.problems_solved),
        "verified_participants": _sum(c.verified_participants),
    }


def _key(dim: str, key: str | None):
    if key is None or dim == "month":
        return key
    return Domain(key) if dim == "domain" else int(key)


def figures(scope: Scope) -> Figures:
    """Every application, project, money and activity figure of the scope: four queries, each
    one pass over its rows grouped at the finest grain (call × street × domain × month) and
    added up here into the whole and each dimension; only the distinct count of organisations
    is grouped per dimension in SQL."""
    found = Figures()
    applications = _application_facts(scope)
    measures = _application_measures(applications.c)
    _add_up(found, _grouped((applications, measures)))
    _add_up(found, _grouped(_project_part(scope), _tranche_part(scope)))
    _add_up(found, _grouped(_activity_part(scope)))
    for row in _organizations(scope):
        target = found.total if row.dim == "total" else found.by[row.dim][_key(row.dim, row.key)]
        target["organizations"] = row.organizations
    return found


def _totals(facts, measures: dict) -> dict:
    return (
        db.session.execute(select(*(m.label(n) for n, m in measures.items())).select_from(facts))
        .one()
        ._asdict()
    )


def headline(scope: Scope) -> Measures:
    """The totals alone (for the home pages): applications received and approved, accepted
    activities and their figures, and the money raised into the scope's funds — three
    queries."""
    found = Measures()
    approved = _when(Application.status == ApplicationStatus.APPROVED)
    applications = _submitted(select(approved.label("approved")), scope).subquery()
    found.update(
        _totals(applications, {"received": func.count(), "approved": _sum(applications.c.approved)})
    )
    found.update(_totals(*_activity_part(scope)))
    raised = select(_sum(Contribution.amount)).join(Fund, Fund.id == Contribution.fund_id)
    if scope.streets is not None:
        raised = raised.where(Fund.street_id.in_(scope.streets or {0}))
    found["raised"] = db.session.scalar(raised)
    return found


def fund_figures(scope: Scope) -> tuple[Measures, dict[int | None, Measures]]:
    """Money raised into the scope's funds and where it is now, for the whole and per street
    (``None``: the district's own funds): the fund pages' balances, four queries. Funds belong
    to streets, not to domains; with a year or a call, the funds those calls draw on."""
    f = scope.filters
    drawn_on = None
    if f.year is not None or f.call is not None:
        drawn_on = select(Call.fund_id)
        if f.year is not None:
            drawn_on = drawn_on.where(Call.year == f.year)
        if f.call is not None:
            drawn_on = drawn_on.where(Call.id == f.call)
    total: Measures = Measures()
    per_street: dict[int | None, Measures] = defaultdict(Measures)
    for b in balances(street_ids=scope.streets, fund_ids=drawn_on):
        for target in (total, per_street[b.fund.street_id]):
            _add_balance(target, b)
    return total, dict(per_street)


def _add_balance(target: Measures, b: FundBalance) -> None:
    target["funds"] += 1
    target["raised"] += b.raised
    target["reserved"] += b.reserved
    target["committed"] += b.committed
    target["disbursed"] += b.disbursed
    target["available"] += b.unallocated
