"""The rules an activity record must meet (活动记录), in one place: the service checks them all
at once before anything is written, and reports each problem beside its field."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from microventure.accounts.models import Community
from microventure.applications.models import PlannedActivity
from microventure.calls.models import Domain
from microventure.core.errors import DomainError, collect
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.models import (
    ActivityRecord,
    Project,
    ProjectStatus,
    RecordStatus,
)

MAX_PHOTOS = 9
MAX_COUNT = 1_000_000  # per activity: far above any real one, far below the column's range
MAX_HOURS = Decimal("100000")
EDITABLE = {RecordStatus.SUBMITTED, RecordStatus.RETURNED}
BREAKDOWN = ("elderly", "children", "disabled", "others")


@dataclass
class ActivityValues:
    """What the organisation types about an activity; checked by ``check_values``."""

    held_on: date | None
    title: str
    domain: Domain | str | None
    participants: int | None
    community_id: int | None = None
    elderly: int | None = None
    children: int | None = None
    disabled: int | None = None
    others: int | None = None
    volunteers: int | None = 0
    volunteer_hours: Decimal | None = Decimal(0)
    problems_solved: int | None = 0
    description: str = ""
    planned_activity_id: int | None = None


# ---------------------------------------------------------------------------------- the rules


def earliest_day(project: Project) -> date:
    """Activities count from the project's start, or from signing when that came earlier."""
    if project.signed_on and project.signed_on < project.starts_on:
        return project.signed_on
    return project.starts_on


def recording_open(project: Project) -> bool:
    """Activities are recorded while the project is active (not signing, suspended or over)."""
    return project.status is ProjectStatus.ACTIVE


def require_active(project: Project) -> None:
    if not recording_open(project):
        raise DomainError(
            _l(
                "Activities can be recorded only while the project is active; it is %(status)s.",
                status=project.status.title,
            )
        )


def require_editable(activity: ActivityRecord) -> None:
    """A record may be corrected until an admin accepts it."""
    if activity.status not in EDITABLE:
        raise DomainError(
            _l(
                "This activity record is %(status)s and can no longer be changed.",
                status=activity.status.title,
            )
        )


def _count(value: int | None, field: str, *, required: bool = False) -> None:
    if value is None:
        if required:
            raise DomainError(_l("Enter a number (0 or more)."), field=field)
        return
    if value < 0:
        raise DomainError(_l("Enter a number (0 or more)."), field=field)
    if value > MAX_COUNT:
        raise DomainError(_l("Enter at most %(limit)s.", limit=f"{MAX_COUNT:,}"), field=field)


def _check_day(project: Project, held_on: date | None) -> None:
    if held_on is None:
        raise DomainError(_l("Enter the date the activity was held."), field="held_on")
    if held_on > local_today():
        raise DomainError(
            _l("The activity cannot be in the future; record it once it has been held."),
            field="held_on",
        )
    first = earliest_day(project)
    if held_on < first:
        raise DomainError(
            _l(
                "The project runs from %(start)s; activities before that do not count.",
                start=first.isoformat(),
            ),
            field="held_on",
        )


def _check_title(values: ActivityValues) -> None:
    if not values.title:
        raise DomainError(_l("Give the activity a title."), field="title")
    if len(values.title) > 200:
        raise DomainError(_l("Use at most %(count)s characters.", count=200), field="title")


def _check_domain(values: ActivityValues) -> None:
    if values.domain not in Domain._value2member_map_:
        raise DomainError(_l("Choose a service domain."), field="domain")


def _check_community(project: Project, community_id: int | None) -> None:
    if community_id is None:
        return
    community = db.session.get(Community, community_id)
    street_id = project.call.street_id
    if community is None or (street_id is not None and community.street_id != street_id):
        raise DomainError(
            _l("Choose one of the communities of the project's street."), field="community_id"
        )


def _check_breakdown(values: ActivityValues) -> None:
    given = [getattr(values, name) for name in BREAKDOWN]
    for name, value in zip(BREAKDOWN, given, strict=True):
        _count(value, name)
    total = sum(v for v in given if v is not None and v >= 0)
    if values.participants is not None and total > values.participants:
        raise DomainError(
            _l(
                "The groups add up to %(total)s, more than the %(participants)s participants.",
                total=total,
                participants=values.participants,
            ),
            field="participants",
        )


def _check_hours(hours: Decimal | None) -> None:
    if hours is None:
        return
    try:
        precise = hours == hours.quantize(Decimal("0.1"))
    except InvalidOperation:
        precise = False
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise DomainError(_l("Enter the hours as 0 or more."), field="volunteer_hours")
    if not precise:
        raise DomainError(_l("Use at most one decimal, e.g. 12.5."), field="volunteer_hours")


def _check_planned(project: Project, planned_id: int | None) -> None:
    if planned_id is None:
        return
    planned = db.session.get(PlannedActivity, planned_id)
    if planned is None or planned.application_id != project.application_id:
        raise DomainError(
            _l("Choose one of the activities planned in the application."),
            field="planned_activity_id",
        )


def _check_photo_count(count: int) -> None:
    if count > MAX_PHOTOS:
        raise DomainError(
            _l(
                "An activity record holds at most %(limit)s photos; you chose %(count)s. "
                "Choose the best ones and upload them again.",
                limit=MAX_PHOTOS,
                count=count,
            ),
            field="photos",
        )


def check_values(project: Project, values: ActivityValues, *, photo_count: int = 0) -> None:
    """Every rule at once, each problem next to its field (RuleViolations)."""
    values.title = (values.title or "").strip()
    values.description = (values.description or "").strip()
    collect(
        [
            lambda: _check_day(project, values.held_on),
            lambda: _check_title(values),
            lambda: _check_domain(values),
            lambda: _check_community(project, values.community_id),
            lambda: _count(values.participants, "participants", required=True),
            lambda: _check_breakdown(values),
            lambda: _count(values.volunteers, "volunteers"),
            lambda: _check_hours(values.volunteer_hours),
            lambda: _count(values.problems_solved, "problems_solved"),
            lambda: _check_planned(project, values.planned_activity_id),
            lambda: _check_photo_count(photo_count),
        ]
    )
