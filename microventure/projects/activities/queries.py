"""Read side of activity records (活动记录): the project's figures from accepted records, the
paginated list, a month's calendar and the planned-versus-held table — each a fixed number of
queries whatever the number of records."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select

from microventure.accounts.models import Community, Street
from microventure.applications.models import PlannedActivity
from microventure.core.pagination import paginate_rows
from microventure.extensions import db
from microventure.projects.models import (
    ActivityRecord,
    FilePurpose,
    Project,
    ProjectFile,
    RecordStatus,
)

LATEST = 5
MONTH_LIMIT = 500  # records drawn in one month's calendar; no project holds that many


@dataclass(frozen=True)
class ActivitySummary:
    """Totals over accepted records only, what waits for review, and the latest records."""

    accepted: int
    participants: int
    volunteers: int
    volunteer_hours: Decimal
    problems_solved: int
    waiting: int
    returned: int
    latest: list[Any]

    @property
    def recorded(self) -> int:
        return self.accepted + self.waiting + self.returned


def _live_photos():
    return (
        ProjectFile.activity_id == ActivityRecord.id,
        ProjectFile.purpose == FilePurpose.PHOTO,
        ProjectFile.removed_at.is_(None),
    )


def first_photo_id():
    return (
        select(ProjectFile.id)
        .where(*_live_photos())
        .order_by(ProjectFile.position, ProjectFile.id)
        .limit(1)
        .correlate(ActivityRecord)
        .scalar_subquery()
    )


def photo_count():
    return (
        select(func.count(ProjectFile.id))
        .where(*_live_photos())
        .correlate(ActivityRecord)
        .scalar_subquery()
    )


def _rows(project_id: int) -> Select:
    """One row per record with what lists show: the community's name, the first photo's id and
    the number of photos."""
    return (
        select(
            ActivityRecord.id,
            ActivityRecord.held_on,
            ActivityRecord.title,
            ActivityRecord.status,
            ActivityRecord.domain,
            ActivityRecord.participants,
            ActivityRecord.volunteers,
            ActivityRecord.volunteer_hours,
            ActivityRecord.problems_solved,
            Community.name.label("community"),
            first_photo_id().label("photo_id"),
            photo_count().label("photos"),
        )
        .outerjoin(Community, Community.id == ActivityRecord.community_id)
        .where(ActivityRecord.project_id == project_id)
    )


def _accepted(column):
    return func.coalesce(
        func.sum(case((ActivityRecord.status == RecordStatus.ACCEPTED, column), else_=0)), 0
    )


def _with_status(status: RecordStatus):
    return func.coalesce(func.sum(case((ActivityRecord.status == status, 1), else_=0)), 0)


def summary(project: Project) -> ActivitySummary:
    """The project page's activity panel, in two queries."""
    totals = db.session.execute(
        select(
            _with_status(RecordStatus.ACCEPTED).label("accepted"),
            _accepted(ActivityRecord.participants).label("participants"),
            _accepted(ActivityRecord.volunteers).label("volunteers"),
            _accepted(ActivityRecord.volunteer_hours).label("volunteer_hours"),
            _accepted(ActivityRecord.problems_solved).label("problems_solved"),
            _with_status(RecordStatus.SUBMITTED).label("waiting"),
            _with_status(RecordStatus.RETURNED).label("returned"),
        ).where(ActivityRecord.project_id == project.id)
    ).one()
    latest = db.session.execute(
        _rows(project.id)
        .order_by(ActivityRecord.held_on.desc(), ActivityRecord.id.desc())
        .limit(LATEST)
    ).all()
    return ActivitySummary(
        accepted=int(totals.accepted),
        participants=int(totals.participants),
        volunteers=int(totals.volunteers),
        volunteer_hours=Decimal(str(totals.volunteer_hours)).quantize(Decimal("0.1")),
        problems_solved=int(totals.problems_solved),
        waiting=int(totals.waiting),
        returned=int(totals.returned),
        latest=latest,
    )


def records_page(project_id: int, *, page: int, per_page: int):
    """The project's records, newest first."""
    return paginate_rows(
        _rows(project_id).order_by(ActivityRecord.held_on.desc(), ActivityRecord.id.desc()),
        ids=select(ActivityRecord.id).where(ActivityRecord.project_id == project_id),
        page=page,
        per_page=per_page,
    )


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None, default: date) -> "Month":
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            if 1900 < year < 3000 and 1 <= month <= 12:
                return cls(year, month)
        except ValueError:
            pass
        return cls(default.year, default.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def weeks(self) -> list[list[date]]:
        """Monday-first weeks covering the month (with the neighbouring months' days)."""
        return calendar.Calendar(firstweekday=0).monthdatescalendar(self.year, self.month)


def month_records(project_id: int, month: Month) -> dict[date, list[Any]]:
    """The month's records by day, in one query."""
    rows = db.session.execute(
        _rows(project_id)
        .where(ActivityRecord.held_on.between(month.first, month.last))
        .order_by(ActivityRecord.held_on, ActivityRecord.id)
        .limit(MONTH_LIMIT)
    ).all()
    by_day: dict[date, list[Any]] = {}
    for row in rows:
        by_day.setdefault(row.held_on, []).append(row)
    return by_day


@dataclass(frozen=True)
class PlannedVsHeld:
    rows: list[Any]  # planned activity with held, held_participants, accepted
    unlinked: Any | None  # records linked to no planned activity


def planned_vs_held(project: Project) -> PlannedVsHeld:
    """Each planned activity of the application beside the records linked to it (two queries)."""
    held = (
        select(
            ActivityRecord.planned_activity_id.label("planned_id"),
            func.count(ActivityRecord.id).label("held"),
            func.coalesce(func.sum(ActivityRecord.participants), 0).label("held_participants"),
            _with_status(RecordStatus.ACCEPTED).label("accepted"),
        )
        .where(ActivityRecord.project_id == project.id)
        .group_by(ActivityRecord.planned_activity_id)
    )
    counted = {row.planned_id: row for row in db.session.execute(held)}
    planned = db.session.execute(
        select(
            PlannedActivity.id,
            PlannedActivity.name,
            PlannedActivity.month,
            PlannedActivity.sessions,
            PlannedActivity.participants,
        )
        .where(PlannedActivity.application_id == project.application_id)
        .order_by(PlannedActivity.position, PlannedActivity.id)
    ).all()
    rows = []
    for row in planned:
        c = counted.get(row.id)
        rows.append(
            {
                "id": row.id,
                "name": row.name,
                "month": row.month,
                "sessions": row.sessions,
                "participants": row.participants,
                "held": c.held if c else 0,
                "held_participants": int(c.held_participants) if c else 0,
                "accepted": int(c.accepted) if c else 0,
            }
        )
    return PlannedVsHeld(rows=rows, unlinked=counted.get(None))


# ---------------------------------------------------------------------------------- form choices


def planned_choices(project: Project) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(PlannedActivity.id, PlannedActivity.name, PlannedActivity.month)
        .where(PlannedActivity.application_id == project.application_id)
        .order_by(PlannedActivity.position, PlannedActivity.id)
    )
    return [(row.id, f"{row.name} ({row.month})") for row in rows]


def community_choices(project: Project) -> list[tuple[int, str]]:
    """The communities of the call's street; every street's for a district-wide call."""
    street_id = project.call.street_id
    stmt = select(Community.id, Community.name, Street.name.label("street")).join(
        Street, Street.id == Community.street_id
    )
    if street_id is not None:
        stmt = stmt.where(Community.street_id == street_id)
    rows = db.session.execute(stmt.order_by(Street.name, Community.position, Community.name))
    if street_id is not None:
        return [(row.id, row.name) for row in rows]
    return [(row.id, f"{row.street} · {row.name}") for row in rows]
