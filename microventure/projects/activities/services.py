"""Activity records (活动记录): the organisation records each activity held, with up to nine
photos and a sign-in sheet; admins accept or return them. Only accepted records count in the
project's figures. Services flush; callers commit."""

from dataclasses import fields
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import User
from microventure.calls.models import Domain
from microventure.core import audit, files, links
from microventure.core.errors import DomainError
from microventure.core.states import N_
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import members_of, notify
from microventure.projects.activities import images
from microventure.projects.activities.rules import (
    ActivityValues,
    check_values,
    require_active,
    require_editable,
)
from microventure.projects.models import (
    ACTIVITY,
    ActivityRecord,
    FilePurpose,
    Project,
    ProjectFile,
    ProjectStatus,
    RecordStatus,
)
from microventure.projects.services import store_project_file

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
    require_active(project)
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


def _remove_photos(photos: list[ProjectFile]) -> None:
    """Photos taken off a record are marked removed; their files go once the change commits."""
    now = utcnow()
    for photo in photos:
        photo.removed_at = now
        files.discard_after_commit(photo.storage_key, photo.thumbnail_key)


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
    require_active(project)
    require_editable(activity)
    uploads = _uploads(photos)
    current = _current_photos(activity)
    removed = {p.id for p in current} & set(removed_photo_ids or [])
    kept = [p for p in current if p.id not in removed]
    check_values(project, values, photo_count=len(kept) + len(uploads))
    cleaned, sheet = _prepare_files(uploads, sign_in_sheet)
    before = _snapshot(activity) | {"status": activity.status}
    before_status = ACTIVITY.claim(
        activity,
        RecordStatus.SUBMITTED,
        stale=N_("This activity record has just been accepted; it can no longer change."),
    )
    action = ACTIVITY.moves[(before_status, RecordStatus.SUBMITTED)]
    _apply(activity, values)
    _remove_photos([p for p in current if p.id in removed])
    start = max((p.position for p in current), default=-1) + 1
    _attach(activity, project, cleaned, sheet, actor, start=start)
    db.session.flush()
    after = _snapshot(activity) | {"status": activity.status}
    changed = [k for k in after if before[k] != after[k]]
    audit.record(
        action=action,
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


def _review(activity: ActivityRecord, to: RecordStatus, actor: User, comment: str = "") -> None:
    reviewed = {"review_comment": comment, "reviewed_by_id": actor.id, "reviewed_at": utcnow()}
    ACTIVITY.move(activity, to, actor=actor, note=comment, values=reviewed)


def accept_activity(*, activity: ActivityRecord, actor: User) -> ActivityRecord:
    """The record is accepted: it counts in the project's figures and can no longer change."""
    _review(activity, RecordStatus.ACCEPTED, actor)
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
    notify(
        recipients=members_of(project.organization),
        kind="activity.returned",
        link=links.path("activities.edit", project_id=project.id, activity_id=activity.id),
        key=f"{activity.id}:{activity.reviewed_at.isoformat()}",  # each return is news
        title=activity.title,
        project=project.title,
        comment=comment,
    )
    return activity
