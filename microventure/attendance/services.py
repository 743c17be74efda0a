"""Check-in sessions (签到): open one for an activity, rotate its code, link it to the activity
record, check people in and out, and delete the details after the retention period.

The counts live on the session row and are added to with one UPDATE in the check-in's own
transaction; the unique constraints on the check-ins refuse a second check-in of the same person
or device even when both arrive at once. Services flush; callers commit."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from microventure.accounts.models import User
from microventure.applications.models import PlannedActivity
from microventure.attendance import tokens
from microventure.attendance.models import AttendanceSession, CheckIn, CheckInKind
from microventure.calls.models import Call
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.core.locks import lock
from microventure.core.timeutil import format_local, utcnow
from microventure.extensions import db
from microventure.projects.activities.rules import require_active
from microventure.projects.models import ActivityRecord, Project, RecordStatus

MAX_WINDOW = timedelta(hours=24)
DIGITS = re.compile(r"^\d{4}$")


class CodeRefused(DomainError):
    """The code scanned does not open a check-in (forged, expired or replaced)."""


@dataclass(frozen=True)
class SessionValues:
    title: str
    place: str
    opens_at: datetime
    closes_at: datetime
    expected: int | None = None


def _check_values(values: SessionValues) -> None:
    if not (values.title or "").strip():
        raise DomainError(_l("Give the activity's name."), field="title")
    if values.opens_at is None or values.closes_at is None:
        raise DomainError(_l("Give when check-in opens and closes."), field="opens_at")
    if values.opens_at >= values.closes_at:
        raise DomainError(_l("Check-in must close after it opens."), field="closes_at")
    if values.closes_at - values.opens_at > MAX_WINDOW:
        raise DomainError(_l("A check-in session lasts at most 24 hours."), field="closes_at")
    if values.expected is not None and values.expected < 0:
        raise DomainError(_l("Give a number of 0 or more."), field="expected")


def _own_record(project: Project, activity_id: int | None) -> ActivityRecord | None:
    if activity_id is None:
        return None
    activity = db.session.get(ActivityRecord, activity_id)
    if activity is None or activity.project_id != project.id:
        raise DomainError(_l("Choose one of the project's activity records."), field="activity_id")
    if activity.status is RecordStatus.ACCEPTED:
        raise DomainError(
            _l("This activity record has been accepted; its figures can no longer change."),
            field="activity_id",
        )
    return activity


def _own_plan(project: Project, planned_id: int | None) -> PlannedActivity | None:
    if planned_id is None:
        return None
    planned = db.session.get(PlannedActivity, planned_id)
    if planned is None or planned.application_id != project.application_id:
        raise DomainError(_l("Choose one of the planned activities."), field="planned_activity_id")
    return planned


def open_session(
    *,
    project: Project,
    values: SessionValues,
    actor: User,
    activity_id: int | None = None,
    planned_activity_id: int | None = None,
) -> AttendanceSession:
    """Open a check-in session for a planned or recorded activity of an active project."""
    require_active(project)
    _check_values(values)
    activity = _own_record(project, activity_id)
    planned = _own_plan(project, planned_activity_id)
    call = db.session.get(Call, project.call_id)
    session = AttendanceSession(
        project_id=project.id,
        activity_id=activity.id if activity else None,
        planned_activity_id=planned.id if planned else None,
        title=values.title.strip(),
        place=(values.place or "").strip(),
        opens_at=values.opens_at,
        closes_at=values.closes_at,
        expected=values.expected,
        keeps_names=call.attendance_keeps_names,
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        action="attendance.session_opened",
        obj=project,
        actor=actor,
        after={
            "session_id": session.id,
            "title": session.title,
            "opens_at": session.opens_at,
            "closes_at": session.closes_at,
            "activity_id": session.activity_id,
            "planned_activity_id": session.planned_activity_id,
        },
    )
    return session


def rotate_code(*, session: AttendanceSession, actor: User) -> AttendanceSession:
    """A new code for the session: codes shown or printed before are refused from now on."""
    if session.details_deleted_at is not None or utcnow() > tokens.expires_at(session.closes_at):
        raise DomainError(_l("This check-in session is over; its code cannot change."))
    before = session.token_generation
    db.session.execute(
        sa.update(AttendanceSession)
        .where(AttendanceSession.id == session.id)
        .values(token_generation=AttendanceSession.token_generation + 1)
    )
    db.session.refresh(session)
    audit.record(
        action="attendance.code_rotated",
        obj=session.project,
        actor=actor,
        before={"session_id": session.id, "generation": before},
        after={"session_id": session.id, "generation": session.token_generation},
    )
    return session


def _add_verified(activity_id: int, count: int) -> None:
    """Add ``count`` checked-in participants to a record not yet accepted (claimed in the same
    statement, so an acceptance and a check-in at once cannot leave the summary behind)."""
    if not count:
        return
    done = db.session.execute(
        sa.update(ActivityRecord)
        .where(ActivityRecord.id == activity_id, ActivityRecord.status != RecordStatus.ACCEPTED)
        .values(verified_participants=ActivityRecord.verified_participants + count)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise DomainError(_l("The activity record has been accepted; its check-in has closed."))


def link_to_record(
    *, session: AttendanceSession, activity_id: int, actor: User
) -> AttendanceSession:
    """Count the session's participants in an activity record (one still under review)."""
    project = session.project
    activity = _own_record(project, activity_id)
    lock(session)  # the counts as committed, and no check-in adds to them until this commits
    previous = session.activity_id
    if previous == activity.id:
        return session
    if previous is not None:
        _add_verified(previous, -session.participants)
    _add_verified(activity.id, session.participants)
    session.activity_id = activity.id
    db.session.flush()
    audit.record(
        action="attendance.session_linked",
        obj=project,
        actor=actor,
        before={"session_id": session.id, "activity_id": previous},
        after={"session_id": session.id, "activity_id": activity.id},
    )
    return session


# ---------------------------------------------------------------------------------- scanning


def session_for_code(token: str, *, now: datetime | None = None) -> AttendanceSession:
    """The session a scanned code opens, or why it does not."""
    payload = tokens.read_token(token)
    session = db.session.get(AttendanceSession, payload["s"]) if payload else None
    if session is None:
        raise CodeRefused(_l("This check-in code is not valid."))
    if tokens.expired(payload, now or utcnow()):
        raise CodeRefused(_l("This check-in code has expired."))
    if payload["g"] != session.token_generation:
        raise CodeRefused(
            _l("This check-in code has been replaced. Scan the code shown at the venue now.")
        )
    return session


def _in_window(session: AttendanceSession, now: datetime) -> None:
    if session.details_deleted_at is not None:
        raise DomainError(_l("This check-in session is over."))
    if now < session.opens_at:
        raise DomainError(
            _l("Check-in opens at %(at)s. Come back then.", at=format_local(session.opens_at))
        )
    if now > session.closes_at:
        raise DomainError(
            _l(
                "Check-in closed at %(at)s; it is no longer possible to check in.",
                at=format_local(session.closes_at),
            )
        )


def _person(session_id: int, name: str, digits: str, user: User | None) -> tuple[str, str | None]:
    if user is not None:
        return tokens.person_hash(session_id, user_id=user.id), user.name
    name = (name or "").strip()
    if not tokens.normalised_name(name):
        raise DomainError(_l("Give your name or a nickname."), field="name")
    if len(name) > 40:
        raise DomainError(_l("Use at most %(count)s characters.", count=40), field="name")
    if not DIGITS.match(digits or ""):
        raise DomainError(_l("Give the last four digits of your mobile number."), field="digits")
    return tokens.person_hash(session_id, name=name, digits=digits), name


def _count_in(session_id: int, kind: CheckInKind) -> None:
    """Add the check-in to the session's counts and, a participant, to its record's."""
    column = "participants" if kind is CheckInKind.PARTICIPANT else "volunteers"
    db.session.execute(
        sa.update(AttendanceSession)
        .where(AttendanceSession.id == session_id)
        .values({column: getattr(AttendanceSession, column) + 1})
        .execution_options(synchronize_session=False)
    )
    # the record the session counts in, read after the UPDATE above took the session's row
    # (a link being made at this moment has committed by then), not from the loaded object
    activity_id = db.session.scalar(
        sa.select(AttendanceSession.activity_id).where(AttendanceSession.id == session_id)
    )
    if kind is CheckInKind.PARTICIPANT and activity_id is not None:
        _add_verified(activity_id, 1)


def check_in(
    *,
    session: AttendanceSession,
    kind: CheckInKind,
    name: str = "",
    digits: str = "",
    device: str | None = None,
    user: User | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Check a participant or volunteer in, once per person and per device."""
    now = now or utcnow()
    _in_window(session, now)
    person, typed_name = _person(session.id, name, digits, user)
    row = CheckIn(
        session_id=session.id,
        kind=kind,
        person_hash=person,
        device_hash=tokens.device_hash(session.id, device),
        name=typed_name[:40] if session.keeps_names and typed_name else None,
        user_id=user.id if user is not None else None,
        checked_in_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as exc:
        if "device_hash" in str(exc.orig):
            raise DomainError(
                _l("This phone has already been used to check in to this activity.")
            ) from None
        raise DomainError(_l("You have already checked in to this activity.")) from None
    _count_in(session.id, kind)
    audit.record(
        action="attendance.checked_in",
        obj=session,
        actor=user,
        after={"check_in_id": row.id, "kind": kind},
        keep_address=False,  # PIPL: the least; the audit table outlives the retention period
    )
    return row


def _open_volunteer(session: AttendanceSession, person: str | None, device: str | None):
    c = CheckIn
    match = [c.person_hash == person] if person else []
    if device:
        match.append(c.device_hash == tokens.device_hash(session.id, device))
    if not match:
        return None
    return db.session.scalar(
        sa.select(c).where(
            c.session_id == session.id,
            c.kind == CheckInKind.VOLUNTEER,
            c.checked_out_at.is_(None),
            sa.or_(*match),
        )
    )


def open_volunteer_check_in(
    *, session: AttendanceSession, device: str | None, user: User | None = None
) -> CheckIn | None:
    """The volunteer check-in of this device (or signed-in user) waiting for its check-out."""
    person = tokens.person_hash(session.id, user_id=user.id) if user is not None else None
    return _open_volunteer(session, person, device)


def check_out(
    *,
    session: AttendanceSession,
    name: str = "",
    digits: str = "",
    device: str | None = None,
    user: User | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """A volunteer checks out; the minutes since checking in count as volunteer time."""
    now = now or utcnow()
    if session.details_deleted_at is not None or now > tokens.expires_at(session.closes_at):
        raise DomainError(_l("This check-in session is over."))
    person = None
    if user is not None or (name or digits):
        person, _name = _person(session.id, name, digits, user)
    row = _open_volunteer(session, person, device if person is None else None)
    if row is None:
        raise DomainError(_l("No volunteer check-in waiting for a check-out was found."))
    minutes = max(int((min(now, session.closes_at) - row.checked_in_at).total_seconds() // 60), 0)
    claimed = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == row.id, CheckIn.checked_out_at.is_(None))
        .values(checked_out_at=now, minutes=minutes)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise DomainError(_l("You have already checked out."))
    db.session.execute(
        sa.update(AttendanceSession)
        .where(AttendanceSession.id == session.id)
        .values(volunteer_minutes=AttendanceSession.volunteer_minutes + minutes)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    audit.record(
        action="attendance.checked_out",
        obj=session,
        actor=user,
        after={"check_in_id": row.id, "minutes": minutes},
        keep_address=False,
    )
    return row


# ---------------------------------------------------------------------------------- retention


def kept_until(project_ends_on: date, retention_days: int) -> date:
    return project_ends_on + timedelta(days=retention_days)


def delete_expired_details(*, today: date, retention_days: int) -> int:
    """Delete the check-ins of sessions whose project ended more than ``retention_days`` ago;
    the sessions keep their counts. Returns how many sessions lost their details."""
    s = AttendanceSession
    ended = (
        sa.select(Project.id)
        .join(Call, Call.id == Project.call_id)
        .where(Call.project_ends_on < today - timedelta(days=retention_days))
    )
    due = list(
        db.session.scalars(
            sa.select(s.id).where(s.details_deleted_at.is_(None), s.project_id.in_(ended))
        )
    )
    if not due:
        return 0
    db.session.execute(sa.delete(CheckIn).where(CheckIn.session_id.in_(due)))
    db.session.execute(sa.update(s).where(s.id.in_(due)).values(details_deleted_at=utcnow()))
    for session_id in due:
        audit.record(
            action="attendance.details_deleted",
            obj=db.session.get(s, session_id),
            after={"session_id": session_id, "retention_days": retention_days},
        )
    return len(due)
