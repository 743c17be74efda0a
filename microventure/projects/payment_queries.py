"""Read side of recording payments in bulk: the tranches due for payment in the projects an
admin manages, filtered and paginated in a fixed number of queries, and the chosen ones loaded
for payment."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from microventure.accounts.models import Organization, User
from microventure.calls.models import Call
from microventure.core.pagination import paginate_rows
from microventure.core.policy import scope
from microventure.extensions import db
from microventure.projects.models import Project, Tranche, TrancheStatus


@dataclass(frozen=True)
class DueFilters:
    """What the admin asked for; anything unknown was dropped while parsing."""

    call: int | None = None
    search: str | None = None

    @classmethod
    def parse(cls, args) -> "DueFilters":
        return cls(
            call=args.get("call", type=int),
            search=(args.get("q") or "").strip()[:100] or None,
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (for links and redirects)."""
        values = {"call": self.call, "q": self.search} | changes
        return {k: v for k, v in values.items() if v not in (None, "")}


def _due(user: User, filters: DueFilters, *columns) -> Select:
    """The due tranches of the projects ``user`` manages (by the call's street)."""
    stmt = (
        select(*columns)
        .select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id)
        .join(Call, Call.id == Project.call_id)
        .join(Organization, Organization.id == Project.organization_id)
        .where(Tranche.status == TrancheStatus.DUE)
    )
    stmt = scope(user, stmt, Call.street_id)
    if filters.call:
        stmt = stmt.where(Project.call_id == filters.call)
    if filters.search:
        stmt = stmt.where(
            Project.agreement_number.icontains(filters.search, autoescape=True)
            | Project.title.icontains(filters.search, autoescape=True)
            | Organization.name.icontains(filters.search, autoescape=True)
        )
    # due the longest first
    return stmt.order_by(Tranche.due_since, Project.agreement_number, Tranche.position)


def due_page(user: User, filters: DueFilters, *, page: int, per_page: int):
    """One page of the due tranches with their project and organisation: two queries whatever
    the page holds."""
    rows = _due(
        user,
        filters,
        Tranche.id,
        Tranche.position,
        Tranche.percent,
        Tranche.amount,
        Tranche.due_since,
        Project.id.label("project_id"),
        Project.agreement_number,
        Project.title,
        Project.signed_on,
        Organization.name.label("organization"),
    )
    ids = _due(user, filters, Tranche.id).order_by(None)
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def matching_ids(user: User, filters: DueFilters) -> list[int]:
    """Every tranche of the list (all pages): those "all that match" acts on."""
    return list(db.session.scalars(_due(user, filters, Tranche.id)))


def tranches_by_id(user: User, ids: list[int]) -> list[Tranche]:
    """The chosen tranches (due or not) of the projects ``user`` manages, with their project and
    call loaded for the policy; others are left out."""
    if not ids:
        return []
    stmt = (
        select(Tranche)
        .join(Tranche.project)
        .join(Project.call)
        .options(contains_eager(Tranche.project).contains_eager(Project.call))
        .where(Tranche.id.in_(ids))
        .order_by(Project.agreement_number, Tranche.position)
    )
    return list(db.session.scalars(scope(user, stmt, Call.street_id)).unique())
