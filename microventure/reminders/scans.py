"""Scheduled reminders. Each scan is one set-based query plus one batch of notifications, and
is idempotent through the deduplication key: run it twice on a day and each reminder exists
once. Offsets come from configuration (REMINDER_CALL_CLOSING_DAYS, REMINDER_REVIEW_DUE_DAYS,
REMINDER_REPORT_DUE_DAYS, REMINDER_REPORT_OVERDUE_EVERY_DAYS, REMINDER_NO_ACTIVITY_DAYS)."""

from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from microventure.accounts.models import Membership, Role, RoleGrant, User
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, CallStatus
from microventure.core import links
from microventure.core.dbtime import db_now
from microventure.core.timeutil import format_local, local_datetime, local_today, to_local
from microventure.core.workdays import forget_entered
from microventure.decisions.models import Notice, Objection, ObjectionStatus
from microventure.extensions import db
from microventure.notifications.services import queue
from microventure.projects.models import (
    OPEN_REPORT,
    ActivityRecord,
    Project,
    ProjectStatus,
    RecordStatus,
    Report,
    ReportKind,
    ReportStatus,
    Tranche,
    TrancheStatus,
)
from microventure.reminders.schedule import latest_repeat, offset_for, offset_windows
from microventure.reviews.models import OUTSTANDING, Assignment, AssignmentStatus
from microventure.workcalendar.queries import calendar_gap


def call_closing(today: date, since: date | None = None) -> int:
    """Drafts not yet submitted in calls that close in N days (for each configured N), or whose
    N-day reminder fell due since ``since`` (a missed run) while the call is still open."""
    count = 0
    offsets = current_app.config["REMINDER_CALL_CLOSING_DAYS"]
    for days, first, last in offset_windows(offsets, since or today, today):
        rows = db.session.execute(
            select(Application.id, Application.title, Call.title, Call.closes_at, User)
            .join(Call, Call.id == Application.call_id)
            .join(User, User.id == Application.created_by_id)
            .where(
                Application.status == ApplicationStatus.DRAFT,
                Call.status == CallStatus.PUBLISHED,
                Call.closes_at >= local_datetime(first),
                Call.closes_at < local_datetime(last + timedelta(days=1)),
                Call.closes_at > db_now(),
            )
        ).all()
        count += len(
            queue(
                "reminder.call_closing",
                [
                    (
                        user,
                        links.path("applications.edit", application_id=app_id),
                        f"{app_id}:{days}",
                        {
                            "title": title or "—",
                            "call": call_title,
                            "days": (to_local(closes_at).date() - today).days,
                            "closes": format_local(closes_at),
                        },
                    )
                    for app_id, title, call_title, closes_at, user in rows
                ],
            )
        )
    return count


def _open_assignments(condition):
    return db.session.execute(
        select(Assignment.id, Assignment.due_on, Application.reference, User)
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.reviewer_id)
        .where(Assignment.status.in_(OUTSTANDING), condition)
    ).all()


def reviews_due(today: date, since: date | None = None) -> int:
    """Open assignments due in N days, or whose reminder fell due since ``since``."""
    offset = current_app.config["REMINDER_REVIEW_DUE_DAYS"]
    ((_days, first, last),) = offset_windows((offset,), since or today, today)
    rows = _open_assignments(Assignment.due_on.between(first, last))
    return len(
        queue(
            "reminder.review_due",
            [
                (
                    user,
                    links.path("reviewing.assignment", assignment_id=assignment_id),
                    f"{assignment_id}:{due}",
                    {"reference": reference, "due": due.isoformat()},
                )
                for assignment_id, due, reference, user in rows
            ],
        )
    )


def reviews_overdue(today: date) -> int:
    """Daily, for as long as a review is late (the day is part of the key)."""
    rows = _open_assignments(Assignment.is_overdue(today))
    return len(
        queue(
            "reminder.review_overdue",
            [
                (
                    user,
                    links.path("reviewing.assignment", assignment_id=assignment_id),
                    f"{assignment_id}:{today}",
                    {"reference": reference, "due": due.isoformat()},
                )
                for assignment_id, due, reference, user in rows
            ],
        )
    )


def _per_street(stmt) -> Counter:
    """``stmt`` selects (street id, count) grouped by street: as a Counter."""
    return Counter(dict(db.session.execute(stmt).all()))


def _waiting_by_street() -> dict[str, Counter]:
    """For each figure of the street admins' digest, how many wait per street."""
    in_street = Call.street_id.is_not(None)
    by_street = (Call.street_id,)
    replacement = aliased(Assignment)
    figures = {
        "screening": select(Call.street_id, func.count())
        .join(Application, Application.call_id == Call.id)
        .where(Application.status == ApplicationStatus.SUBMITTED, in_street),
        "reassign": select(Call.street_id, func.count())
        .join(Assignment, Assignment.call_id == Call.id)
        .where(Assignment.status == AssignmentStatus.DECLINED, in_street)
        .where(
            ~select(replacement.id)
            .where(
                replacement.application_id == Assignment.application_id,
                replacement.status != AssignmentStatus.DECLINED,
                replacement.assigned_at > Assignment.assigned_at,
            )
            .exists()
        ),
        "objections": select(Call.street_id, func.count())
        .join(Notice, Notice.call_id == Call.id)
        .join(Objection, Objection.notice_id == Notice.id)
        .where(Objection.status == ObjectionStatus.OPEN, in_street),
        "tranches": select(Call.street_id, func.count())
        .join(Project, Project.call_id == Call.id)
        .join(Tranche, Tranche.project_id == Project.id)
        .where(Tranche.status == TrancheStatus.DUE, in_street),
        "reports": select(Call.street_id, func.count())
        .join(Project, Project.call_id == Call.id)
        .join(Report, Report.project_id == Project.id)
        .where(Report.status == ReportStatus.SUBMITTED, in_street),
        "activities": select(Call.street_id, func.count())
        .join(Project, Project.call_id == Call.id)
        .join(ActivityRecord, ActivityRecord.project_id == Project.id)
        .where(ActivityRecord.status == RecordStatus.SUBMITTED, in_street),
    }
    return {name: _per_street(stmt.group_by(*by_street)) for name, stmt in figures.items()}


def street_admin_digest(today: date) -> int:
    """Each street admin: what waits on them in their street's calls and projects —
    applications to screen, assignments released by a conflict and not yet replaced, open
    objections, tranches due for payment, reports and activity records to review. Nothing
    waiting, no message. One grouped query per figure."""
    counts = _waiting_by_street()
    admins = db.session.execute(
        select(User, RoleGrant.street_id)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.STREET_ADMIN, User.is_active.is_(True))
    ).all()
    entries = []
    for user, street_id in admins:
        params = {name: counts[name][street_id] for name in counts}
        if total := sum(params.values()):
            entries.append(
                (user, links.path("calls.admin_index"), str(today), params | {"total": total})
            )
    return len(queue("digest.street_admin", entries))


# ---------------------------------------------------------------------------------- projects


def _members(*columns):
    """``columns`` of active projects, one row per active member of the project's organisation
    (the set-based ``members_of``); the user is the last column."""
    return (
        select(*columns, User)
        .select_from(Project)
        .join(Membership, Membership.organization_id == Project.organization_id)
        .join(User, User.id == Membership.user_id)
        .where(Project.status == ProjectStatus.ACTIVE, User.is_active.is_(True))
    )


def _open_reports(condition):
    return db.session.execute(
        _members(Report.id, Report.kind, Report.due_on, Project.id, Project.title)
        .join(Report, Report.project_id == Project.id)
        .where(Report.status.in_(OPEN_REPORT), condition)
    ).all()


def _report_entry(user, kind, due, project_id, title, key, **params):
    return (
        user,
        links.path("reports.edit", project_id=project_id, kind=kind.value),
        key,
        {"project": title, "report": ReportKind(kind).label, "due": due.isoformat(), **params},
    )


def reports_due(today: date, since: date | None = None) -> int:
    """Reports not yet submitted (draft or returned) of active projects, N days before they are
    due (for each configured N; caught up since ``since``), to the organisation's members."""
    offsets = current_app.config.get("REMINDER_REPORT_DUE_DAYS", (7, 1))
    windows = offset_windows(offsets, since or today, today)
    if not windows:
        return 0
    rows = _open_reports(or_(*(Report.due_on.between(first, last) for _d, first, last in windows)))
    return len(
        queue(
            "reminder.report_due",
            [
                _report_entry(
                    user,
                    kind,
                    due,
                    pid,
                    title,
                    f"{rid}:{offset_for(windows, due)}",
                    days=(due - today).days,
                )
                for rid, kind, due, pid, title, user in rows
            ],
        )
    )


def reports_overdue(today: date, since: date | None = None) -> int:
    """Late reports: the day after the due date, then every N days (the day is in the key); a
    reminder day missed since ``since`` is caught up."""
    every = current_app.config.get("REMINDER_REPORT_OVERDUE_EVERY_DAYS", 7)
    rows = _open_reports(Report.is_overdue(today))
    entries = []
    for rid, kind, due, pid, title, user in rows:
        day = latest_repeat(due, every, today)
        if day >= (since or today):
            entries.append(_report_entry(user, kind, due, pid, title, f"{rid}:{day.isoformat()}"))
    return len(queue("reminder.report_overdue", entries))


def projects_without_activity(today: date) -> int:
    """Active projects with no activity recorded for N days or more (counted from the later of
    the signing date and the day the latest record was entered, in Shanghai): once per N-day
    period of each such lapse."""
    threshold = current_app.config.get("REMINDER_NO_ACTIVITY_DAYS", 30)
    latest = (
        select(ActivityRecord.project_id, func.max(ActivityRecord.created_at).label("last_at"))
        .group_by(ActivityRecord.project_id)
        .subquery()
    )
    rows = db.session.execute(
        _members(Project.id, Project.title, Project.signed_on, latest.c.last_at)
        .outerjoin(latest, latest.c.project_id == Project.id)
        .where(
            Project.signed_on <= today - timedelta(days=threshold),
            or_(
                latest.c.last_at.is_(None),
                latest.c.last_at < local_datetime(today - timedelta(days=threshold - 1)),
            ),
        )
    ).all()
    entries = []
    for project_id, title, signed_on, last_at, user in rows:
        last = max(signed_on, to_local(last_at).date()) if last_at else signed_on
        period = (today - last).days // threshold
        entries.append(
            (
                user,
                links.path("projects.detail", project_id=project_id),
                f"{project_id}:{last.isoformat()}:{period}",
                {"project": title, "days": period * threshold},
            )
        )
    return len(queue("reminder.no_activity", entries))


# ---------------------------------------------------------------------------------- notices


def notices_ended(today: date) -> int:
    """Notices whose window is over while their call still waits to be finalized, to the admins
    of the call's street (district admins for district-wide calls): once per notice. A notice
    that ended before a missed run is caught up on the next one."""
    still_open = (
        select(func.count())
        .select_from(Objection)
        .where(Objection.notice_id == Notice.id, Objection.status == ObjectionStatus.OPEN)
        .correlate(Notice)
        .scalar_subquery()
    )
    manages = or_(
        and_(
            Call.street_id.is_not(None),
            RoleGrant.role == Role.STREET_ADMIN,
            RoleGrant.street_id == Call.street_id,
        ),
        and_(
            Call.street_id.is_(None),
            RoleGrant.role == Role.DISTRICT_ADMIN,
            RoleGrant.street_id.is_(None),
        ),
    )
    rows = db.session.execute(
        select(Notice.id, Notice.ends_on, Call.id, Call.title, still_open, User)
        .join(Call, Call.id == Notice.call_id)
        .join(RoleGrant, manages)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            Call.status == CallStatus.NOTICE,
            Notice.finalized_at.is_(None),
            Notice.ends_on < today,
            User.is_active.is_(True),
        )
    ).all()
    return len(
        queue(
            "reminder.notice_ended",
            [
                (
                    user,
                    links.path("decisions.notice", call_id=call_id),
                    str(notice_id),
                    {"call": call_title, "ends_on": ends_on.isoformat(), "open": open_count},
                )
                for notice_id, ends_on, call_id, call_title, open_count, user in rows
            ],
        )
    )


def calendar_not_covered(today: date) -> int:
    """From 1 November, while next year's working-day calendar is missing (or at once when this
    year's is), each district admin's digest says so every day, linking to the calendar page."""
    year = calendar_gap(today)
    if year is None:
        return 0
    admins = db.session.scalars(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.DISTRICT_ADMIN, User.is_active.is_(True))
        .distinct()
    ).all()
    link = links.path("calendar.index")
    entries = [(user, link, f"{year}:{today}", {"year": year}) for user in admins]
    return len(queue("digest.calendar_not_covered", entries))


SCANS = (
    call_closing,
    reviews_due,
    reviews_overdue,
    reports_due,
    reports_overdue,
    projects_without_activity,
    notices_ended,
    street_admin_digest,
    calendar_not_covered,
)


# Scans of "N days before" and "every N days" reminders take ``since`` to catch up on missed
# runs; the others find whatever is outstanding now, so they catch up by themselves.
CATCHING_UP = (call_closing, reviews_due, reports_due, reports_overdue)


def run_all(today: date | None = None, *, since: date | None = None) -> dict[str, int]:
    """Every scan for ``today``, covering what fell due from ``since`` (default: today)."""
    today = today or local_today()
    forget_entered()  # read the calendar as it is now, not as this app context first saw it
    since = min(since or today, today)
    return {
        scan.__name__: scan(today, since) if scan in CATCHING_UP else scan(today) for scan in SCANS
    }
