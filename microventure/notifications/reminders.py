"""Scheduled reminders. Each scan is one set-based query plus one batch of notifications, and
is idempotent through the deduplication key: run it twice on a day and each reminder exists
once. Offsets come from configuration (REMINDER_CALL_CLOSING_DAYS, REMINDER_REVIEW_DUE_DAYS)."""

from collections import Counter
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from microventure.accounts.models import Role, RoleGrant, User
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call, CallStatus
from microventure.core.timeutil import format_local, local_datetime, local_today
from microventure.extensions import db
from microventure.notifications.services import queue
from microventure.reviews.models import Assignment, AssignmentStatus
from microventure.reviews.services import OUTSTANDING


def call_closing(today: date) -> int:
    """Drafts not yet submitted in calls that close in N days (for each configured N)."""
    count = 0
    for days in current_app.config["REMINDER_CALL_CLOSING_DAYS"]:
        day = today + timedelta(days=days)
        rows = db.session.execute(
            select(Application.id, Application.title, Call.title, Call.closes_at, User)
            .join(Call, Call.id == Application.call_id)
            .join(User, User.id == Application.created_by_id)
            .where(
                Application.status == ApplicationStatus.DRAFT,
                Call.status == CallStatus.PUBLISHED,
                Call.closes_at >= local_datetime(day),
                Call.closes_at < local_datetime(day + timedelta(days=1)),
            )
        ).all()
        count += len(
            queue(
                "reminder.call_closing",
                [
                    (
                        user,
                        f"/applications/{app_id}/edit",
                        f"{app_id}:{days}",
                        {
                            "title": title or "—",
                            "call": call_title,
                            "days": days,
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


def reviews_due(today: date) -> int:
    day = today + timedelta(days=current_app.config["REMINDER_REVIEW_DUE_DAYS"])
    rows = _open_assignments(Assignment.due_on == day)
    return len(
        queue(
            "reminder.review_due",
            [
                (
                    user,
                    f"/reviews/{assignment_id}",
                    f"{assignment_id}:{due}",
                    {"reference": reference, "due": due.isoformat()},
                )
                for assignment_id, due, reference, user in rows
            ],
        )
    )


def reviews_overdue(today: date) -> int:
    """Daily, for as long as a review is late (the day is part of the key)."""
    rows = _open_assignments(Assignment.due_on < today)
    return len(
        queue(
            "reminder.review_overdue",
            [
                (
                    user,
                    f"/reviews/{assignment_id}",
                    f"{assignment_id}:{today}",
                    {"reference": reference, "due": due.isoformat()},
                )
                for assignment_id, due, reference, user in rows
            ],
        )
    )


def street_admin_digest(today: date) -> int:
    """Each street admin: applications of their street's calls waiting for screening and
    assignments released by a conflict and not yet replaced. Nothing waiting, no message."""
    waiting = Counter(
        dict(
            db.session.execute(
                select(Call.street_id, func.count())
                .join(Application, Application.call_id == Call.id)
                .where(
                    Application.status == ApplicationStatus.SUBMITTED, Call.street_id.is_not(None)
                )
                .group_by(Call.street_id)
            ).all()
        )
    )
    replacement = aliased(Assignment)
    released = Counter(
        dict(
            db.session.execute(
                select(Call.street_id, func.count())
                .join(Assignment, Assignment.call_id == Call.id)
                .where(Assignment.status == AssignmentStatus.DECLINED, Call.street_id.is_not(None))
                .where(
                    ~select(replacement.id)
                    .where(
                        replacement.application_id == Assignment.application_id,
                        replacement.status != AssignmentStatus.DECLINED,
                        replacement.assigned_at > Assignment.assigned_at,
                    )
                    .exists()
                )
                .group_by(Call.street_id)
            ).all()
        )
    )
    admins = db.session.execute(
        select(User, RoleGrant.street_id)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.STREET_ADMIN, User.is_active.is_(True))
    ).all()
    return len(
        queue(
            "digest.street_admin",
            [
                (
                    user,
                    "/admin/calls",
                    str(today),
                    {"screening": waiting[street_id], "reassign": released[street_id]},
                )
                for user, street_id in admins
                if waiting[street_id] or released[street_id]
            ],
        )
    )


SCANS = (call_closing, reviews_due, reviews_overdue, street_admin_digest)


def run_all(today: date | None = None) -> dict[str, int]:
    today = today or local_today()
    return {scan.__name__: scan(today) for scan in SCANS}
