"""Read side of check-in: a project's sessions, a record's checked-in figures and its flag."""

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from microventure.attendance.models import AttendanceSession, CheckIn
from microventure.extensions import db
from microventure.projects.models import ActivityRecord


def sessions_of_project(project_id: int) -> list[AttendanceSession]:
    s = AttendanceSession
    return list(
        db.session.scalars(
            sa.select(s).where(s.project_id == project_id).order_by(s.opens_at.desc(), s.id.desc())
        )
    )


def check_ins_of(session_id: int, limit: int = 500) -> list[CheckIn]:
    c = CheckIn
    return list(
        db.session.scalars(
            sa.select(c).where(c.session_id == session_id).order_by(c.id).limit(limit)
        )
    )


@dataclass(frozen=True)
class Verified:
    """What the check-in sessions of one activity record counted, beside what was typed."""

    sessions: int
    participants: int
    volunteers: int
    volunteer_hours: Decimal
    flagged: bool
    tolerance: int


def exceeds(typed: int, checked_in: int, tolerance: int) -> bool:
    """The typed participants exceed those checked in by more than ``tolerance`` per cent."""
    return typed * 100 > checked_in * (100 + tolerance)


def flagged_column(tolerance) -> sa.ColumnElement[bool]:
    """``exceeds`` in SQL, for lists of records: checked in at a session, and the typed
    participants beyond the checked-in ones by more than ``tolerance`` (a column or number)."""
    a = ActivityRecord
    counted = sa.exists().where(AttendanceSession.activity_id == a.id)
    return sa.and_(counted, a.participants * 100 > a.verified_participants * (100 + tolerance))


def verified(activity: ActivityRecord, tolerance: int) -> Verified | None:
    """The record's checked-in figures (one query), None when it had no check-in session."""
    s = AttendanceSession
    row = db.session.execute(
        sa.select(
            sa.func.count(s.id),
            sa.func.coalesce(sa.func.sum(s.participants), 0),
            sa.func.coalesce(sa.func.sum(s.volunteers), 0),
            sa.func.coalesce(sa.func.sum(s.volunteer_minutes), 0),
        ).where(s.activity_id == activity.id)
    ).one()
    if not row[0]:
        return None
    hours = (Decimal(int(row[3])) / 60).quantize(Decimal("0.1"))
    return Verified(
        sessions=int(row[0]),
        participants=int(row[1]),
        volunteers=int(row[2]),
        volunteer_hours=hours,
        flagged=exceeds(activity.participants, int(row[1]), tolerance),
        tolerance=tolerance,
    )
