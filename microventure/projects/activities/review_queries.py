"""Read side of the admin's review of activity records across projects: the records waiting for
review in the projects an admin manages, filtered and paginated in a fixed number of queries,
and the chosen ones loaded for acceptance."""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from microventure.accounts.models import Community, Organization, User
from microventure.attendance.queries import flagged_column
from microventure.calls.models import Call
from microventure.core.pagination import paginate_rows
from microventure.core.policy import scope
from microventure.extensions import db
from microventure.projects.activities.queries import first_photo_id, photo_count
from microventure.projects.models import ActivityRecord, Project, RecordStatus


@dataclass(frozen=True)
class WaitingFilters:
    """What the admin asked for; anything unknown was dropped while parsing."""

    call: int | None = None
    project: int | None = None
    search: str | None = None

    @classmethod
    def parse(cls, args) -> "WaitingFilters":
        return cls(
            call=args.get("call", type=int),
            project=args.get("project", type=int),
            search=(args.get("q") or "").strip()[:100] or None,
        )

    def args(self, **changes) -> dict:
        """The query-string arguments that reproduce these filters (for links and redirects)."""
        values = {"call": self.call, "project": self.project, "q": self.search} | changes
        return {k: v for k, v in values.items() if v not in (None, "")}


def _waiting(user: User, filters: WaitingFilters, *columns) -> Select:
    """The records awaiting review in the projects ``user`` manages (by the call's street)."""
    stmt = (
        select(*columns)
        .select_from(ActivityRecord)
        .join(Project, Project.id == ActivityRecord.project_id)
        .join(Call, Call.id == Project.call_id)
        .join(Organization, Organization.id == Project.organization_id)
        .where(ActivityRecord.status == RecordStatus.SUBMITTED)
    )
    stmt = scope(user, stmt, Call.street_id)
    if filters.call:
        stmt = stmt.where(Project.call_id == filters.call)
    if filters.project:
        stmt = stmt.where(Project.id == filters.project)
    if filters.search:
        stmt = stmt.where(
            ActivityRecord.title.icontains(filters.search, autoescape=True)
            | Project.agreement_number.icontains(filters.search, autoescape=True)
            | Organization.name.icontains(filters.search, autoescape=True)
        )
    # the longest waiting first
    return stmt.order_by(ActivityRecord.updated_at, ActivityRecord.id)


def waiting_page(user: User, filters: WaitingFilters, *, page: int, per_page: int):
    """One page of the records to review, with their project, organisation, community, first
    photo and number of photos: two queries whatever the page holds."""
    rows = _waiting(
        user,
        filters,
        ActivityRecord.id,
        ActivityRecord.project_id,
        ActivityRecord.held_on,
        ActivityRecord.title,
        ActivityRecord.domain,
        ActivityRecord.participants,
        ActivityRecord.volunteers,
        ActivityRecord.volunteer_hours,
        ActivityRecord.updated_at,
        Project.agreement_number,
        Project.title.label("project_title"),
        Organization.name.label("organization"),
        Community.name.label("community"),
        first_photo_id().label("photo_id"),
        photo_count().label("photos"),
        ActivityRecord.verified_participants,
        flagged_column(Call.attendance_tolerance).label("attendance_flag"),
    ).outerjoin(Community, Community.id == ActivityRecord.community_id)
    ids = _waiting(user, filters, ActivityRecord.id).order_by(None)
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def matching_ids(user: User, filters: WaitingFilters) -> list[int]:
    """Every record of the list (all pages): those "all that match" acts on."""
    return list(db.session.scalars(_waiting(user, filters, ActivityRecord.id)))


def records_by_id(user: User, ids: list[int]) -> list[ActivityRecord]:
    """The chosen records (still waiting or not) of the projects ``user`` manages, with their
    project and call loaded for the policy; others are left out."""
    if not ids:
        return []
    stmt = (
        select(ActivityRecord)
        .join(ActivityRecord.project)
        .join(Project.call)
        .options(contains_eager(ActivityRecord.project).contains_eager(Project.call))
        .where(ActivityRecord.id.in_(ids))
        .order_by(ActivityRecord.updated_at, ActivityRecord.id)
    )
    return list(db.session.scalars(scope(user, stmt, Call.street_id)).unique())
