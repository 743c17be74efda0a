"""Reminder scans: each reminder once however often a scan runs; a fixed number of queries."""

from datetime import timedelta

from sqlalchemy import func, select

from microventure.applications import services as applications
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.notifications import reminders
from microventure.notifications.models import Notification
from microventure.notifications.tasks import scan_lock
from microventure.reviews import services as reviews
from tests.helpers_reviews import eligible_round


def kinds() -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Notification.kind, func.count()).group_by(Notification.kind)
        ).all()
    )


def world(make, n: int):
    """n applications in review (one reviewer each, due in 2 days, one overdue), and n drafts
    in a call that closes in 3 days."""
    round_ = eligible_round(
        make, applications_count=n, reviewers=2, reviewers_per_application=1, code=f"NC-2026-R{n}"
    )
    call = round_["call"]
    reviews.apply_plan(
        call=call,
        planned=reviews.plan(call),
        due_on=local_today() + timedelta(days=2),
        actor=round_["admin"],
    )
    late = db.session.scalars(select(reviews.Assignment)).first()
    late.due_on = local_today() - timedelta(days=1)
    call.closes_at = utcnow() + timedelta(days=3)
    for application in round_["applications"]:
        owner = application.organization.members[0].user
        applications.start_application(
            call=call, organization=application.organization, actor=owner
        )
    db.session.flush()
    return round_


def test_each_scan_twice_on_a_day_creates_each_reminder_once(make):
    world(make, 3)
    first = reminders.run_all()
    assert first["call_closing"] == 3
    assert first["reviews_due"] == 2 and first["reviews_overdue"] == 1
    assert first["street_admin_digest"] == 0  # everything screened
    counts = kinds()
    assert reminders.run_all() == dict.fromkeys(first, 0)
    assert kinds() == counts
    tomorrow = reminders.run_all(local_today() + timedelta(days=1))
    assert tomorrow["reviews_overdue"] == 1  # still late: reminded again the next day


def test_scans_make_a_fixed_number_of_queries(make, count_queries):
    world(make, 2)
    with count_queries() as few:
        reminders.run_all()
    db.session.execute(Notification.__table__.delete())
    world(make, 8)
    with count_queries() as many:
        reminders.run_all()
    assert many.count == few.count


def test_a_second_beat_does_not_overlap(app):
    with scan_lock(app) as first, scan_lock(app) as second:
        assert first and not second


def test_remind_command_runs_the_scans_once_a_day(app, make):
    world(make, 2)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "remind"])
    assert first.exit_code == 0 and "call_closing: 2" in first.output
    second = runner.invoke(args=["notifications", "remind"])
    assert "call_closing: 0" in second.output
