"""Activity records (活动记录): the organisation records each activity held, with up to nine
photos and a sign-in sheet; admins accept or return them. Only accepted records count in the
project's figures. Services flush; callers commit."""

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Community, User
from microventure.applications.models import PlannedActivity
from microventure.calls.models import Domain
from microventure.core import audit, files
from microventure.core.errors import DomainError, collect
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.notifications.services import members_of, notify
from microventure.projects import images
from microventure.projects.models import (
    ActivityRecord,
    FilePurpose,
    Project,
    ProjectFile,
    ProjectStatus,
    RecordStatus,
)
from microventure.projects.services import store_project_file

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


def _require_active(project: Project) -> None:
    if project.status is not ProjectStatus.ACTIVE:
        raise DomainError(
            _l(
                "Activities can be recorded only while the project is active; it is %(status)s.",
                status=project.status.title,
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


# ---------------------------------------------------------------------------------- writing


def _uploads(photos: list[FileStorage] | None) -> list[FileStorage]:
    return [p for p in photos or [] if p is not None and p.filename]


def _tenths(hours: Decimal | None) -> Decimal:
    return Decimal(hours if hours is not None else 0).quantize(Decimal("0.1"))


def _apply(activity: ActivityRecord, values: ActivityValues) -> None:
    for item in fields(ActivityValues):
        value = getattr(values, item.name)
        if item.name == "domain":
            value = Domain(value)
        elif item.name in ("volunteers", "problems_solved"):
            value = value or 0
        elif item.name == "volunteer_hours":
            value = _tenths(value)
        setattr(activity, item.name, value)


def _snapshot(activity: ActivityRecord) -> dict:
    values = {item.name: getattr(activity, item.name) for item in fields(ActivityValues)}
    values["volunteer_hours"] = str(_tenths(values["volunteer_hours"]))  # JSON has no decimals
    return values


def _attach(
    activity: ActivityRecord,
    project: Project,
    photos: list[images.CleanPhoto],
    sheet: FileStorage | None,
    actor: User,
    start: int,
) -> None:
    """Write the already checked photos and sheet (nothing is written before every check passed)."""
    for offset, photo in enumerate(photos):
        db.session.add(
            images.store_photo(
                photo,
                project_id=project.id,
                activity_id=activity.id,
                position=start + offset,
                uploaded_by_id=actor.id,
            )
        )
    if sheet is not None:
        old = activity.sign_in_sheet
        stored = store_project_file(
            project=project,
            upload=sheet,
            purpose=FilePurpose.SIGN_IN_SHEET,
            actor=actor,
            field="sign_in_sheet",
        )
        stored.activity_id = activity.id
        activity.sign_in_sheet = stored
        if old is not None:
            old.removed_at = utcnow()
            files.discard_after_commit(old.storage_key, old.thumbnail_key)


def _prepare_files(
    photos: list[FileStorage], sheet: FileStorage | None
) -> tuple[list[images.CleanPhoto], FileStorage | None]:
    cleaned = [images.clean_photo(upload) for upload in photos]
    ready = images.clean_sign_in_sheet(sheet) if sheet is not None and sheet.filename else None
    return cleaned, ready


def record_activity(
    *,
    project: Project,
    values: ActivityValues,
    photos: list[FileStorage] | None,
    sign_in_sheet: FileStorage | None,
    actor: User,
) -> ActivityRecord:
    """Record an activity held; it waits for an admin's review."""
    _require_active(project)
    uploads = _uploads(photos)
    check_values(project, values, photo_count=len(uploads))
    cleaned, sheet = _prepare_files(uploads, sign_in_sheet)
    activity = ActivityRecord(project_id=project.id, created_by_id=actor.id)
    _apply(activity, values)
    db.session.add(activity)
    db.session.flush()
    _attach(activity, project, cleaned, sheet, actor, start=0)
    db.session.flush()
    audit.record(
        action="activity.recorded",
        obj=project,
        actor=actor,
        after={
            "activity_id": activity.id,
            "title": activity.title,
            "held_on": activity.held_on,
            "participants": activity.participants,
            "photos": len(cleaned),
        },
    )
    return activity


def _current_photos(activity: ActivityRecord) -> list[ProjectFile]:
    return list(
        db.session.scalars(
            select(ProjectFile)
            .where(
                ProjectFile.activity_id == activity.id,
                ProjectFile.purpose == FilePurpose.PHOTO,
                ProjectFile.removed_at.is_(None),
            )
            .order_by(ProjectFile.position, ProjectFile.id)
        )
    )


def update_activity(
    *,
    activity: ActivityRecord,
    values: ActivityValues,
    photos: list[FileStorage] | None,
    removed_photo_ids: list[int] | None,
    sign_in_sheet: FileStorage | None,
    actor: User,
) -> ActivityRecord:
    """Correct a record not yet accepted; a returned record goes back for review."""
    project = activity.project
    _require_active(project)
    if activity.status not in EDITABLE:
        raise DomainError(
            _l(
                "This activity record is %(status)s and can no longer be changed.",
                status=activity.status.title,
            )
        )
    uploads = _uploads(photos)
    current = _current_photos(activity)
    removed = {p.id for p in current} & set(removed_photo_ids or [])
    kept = [p for p in current if p.id not in removed]
    check_values(project, values, photo_count=len(kept) + len(uploads))
    cleaned, sheet = _prepare_files(uploads, sign_in_sheet)
    before = _snapshot(activity) | {"status": activity.status}
    if not _claim(activity, allowed=EDITABLE, to=RecordStatus.SUBMITTED):
        raise DomainError(
            _l("This activity record has just been accepted; it can no longer change.")
        )
    _apply(activity, values)
    now = utcnow()
    for photo in current:
        if photo.id in removed:
            photo.removed_at = now
            files.discard_after_commit(photo.storage_key, photo.thumbnail_key)
    start = max((p.position for p in current), default=-1) + 1
    _attach(activity, project, cleaned, sheet, actor, start=start)
    activity.status = RecordStatus.SUBMITTED
    db.session.flush()
    after = _snapshot(activity) | {"status": activity.status}
    changed = [k for k in after if before[k] != after[k]]
    audit.record(
        action="activity.updated",
        obj=project,
        actor=actor,
        before={"activity_id": activity.id} | {k: before[k] for k in changed},
        after={"activity_id": activity.id}
        | {k: after[k] for k in changed}
        | ({"photos_added": len(cleaned)} if cleaned else {})
        | ({"photos_removed": sorted(removed)} if removed else {})
        | ({"sign_in_sheet": activity.sign_in_sheet_id} if sheet is not None else {}),
    )
    return activity


# ---------------------------------------------------------------------------------- review


def _claim(
    activity: ActivityRecord, *, allowed: set[RecordStatus], to: RecordStatus, **values
) -> bool:
    """Move the record with a conditional UPDATE, so that of an admin's review and the
    organisation's edit racing each other only one wins (the loser's transaction is refused)."""
    claimed = db.session.execute(
        update(ActivityRecord)
        .where(ActivityRecord.id == activity.id, ActivityRecord.status.in_(allowed))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def _review(activity: ActivityRecord, to: RecordStatus, actor: User, comment: str = "") -> None:
    refusal = _l(
        "Only a record awaiting review can be accepted or returned; this one is %(status)s.",
        status=activity.status.title,
    )
    if activity.status is not RecordStatus.SUBMITTED:
        raise DomainError(refusal)
    reviewed = {"review_comment": comment, "reviewed_by_id": actor.id, "reviewed_at": utcnow()}
    if not _claim(activity, allowed={RecordStatus.SUBMITTED}, to=to, **reviewed):
        db.session.refresh(activity)
        raise DomainError(
            _l(
                "Someone else has just reviewed or changed this record; it is %(status)s now.",
                status=activity.status.title,
            )
        )
    db.session.refresh(activity)


def accept_activity(*, activity: ActivityRecord, actor: User) -> ActivityRecord:
    """The record is accepted: it counts in the project's figures and can no longer change."""
    _review(activity, RecordStatus.ACCEPTED, actor)
    audit.record(
        action="activity.accepted",
        obj=activity.project,
        actor=actor,
        before={"activity_id": activity.id, "status": RecordStatus.SUBMITTED},
        after={"activity_id": activity.id, "status": RecordStatus.ACCEPTED},
    )
    return activity


def return_activity(*, activity: ActivityRecord, comment: str, actor: User) -> ActivityRecord:
    """Return the record for revision (退回修改) with what to correct; the members are told."""
    project = activity.project
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_l("Say what the organisation should correct."), field="comment")
    if len(comment) > 2000:
        raise DomainError(_l("Use at most %(count)s characters.", count=2000), field="comment")
    if project.status not in (ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED):
        raise DomainError(
            _l(
                "The project is %(status)s: its records can no longer be corrected.",
                status=project.status.title,
            )
        )
    _review(activity, RecordStatus.RETURNED, actor, comment)
    event = audit.record(
        action="activity.returned",
        obj=project,
        actor=actor,
        before={"activity_id": activity.id, "status": RecordStatus.SUBMITTED},
        after={"activity_id": activity.id, "status": RecordStatus.RETURNED},
        note=comment,
    )
    notify(
        recipients=members_of(project.organization),
        kind="activity.returned",
        link=f"/projects/{project.id}/activities/{activity.id}/edit",
        key=f"{activity.id}:{event.id}",  # each return is news, even of the same record
        title=activity.title,
        project=project.title,
        comment=comment,
    )
    return activity
