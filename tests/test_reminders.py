"""Reminder scans: each reminder once however often a scan runs; a fixed number of queries."""

from datetime import timedelta

from sqlalchemy import func, select

from microventure.applications import services as applications
from microventure.core import jobs
from microventure.core.config import BEAT_SCHEDULE
from microventure.core.timeutil import local_today, utcnow
from microventure.extensions import db
from microventure.notifications.models import Delivery, Notification
from microventure.reminders import scans as reminders
from microventure.reminders import schedule
from microventure.reminders import tasks as reminder_tasks
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
    with (
        jobs.exclusive("reminders", ttl_seconds=60) as first,
        jobs.exclusive("reminders", ttl_seconds=60) as second,
    ):
        assert first and not second
    with jobs.exclusive("reminders", ttl_seconds=60) as again:
        assert again  # released


def test_remind_command_runs_the_scans_once_a_day(app, make):
    world(make, 2)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "remind"])
    assert first.exit_code == 0 and "call_closing: 2" in first.output
    second = runner.invoke(args=["notifications", "remind"])
    assert "call_closing: 0" in second.output


def test_a_missed_run_is_caught_up_by_the_next_one(app, make):
    """Beat (or the broker) was down the day the 3-days-before reminders fell due: the next run
    covers every day since the last successful one, once."""
    round_ = world(make, 2)
    round_["call"].closes_at = utcnow() + timedelta(days=2)  # its 3-day reminder was yesterday
    on_time = [
        a for a in db.session.scalars(select(reviews.Assignment)) if a.due_on >= local_today()
    ]
    for assignment in on_time:
        assignment.due_on = local_today() + timedelta(days=1)  # 2-days-before was yesterday
    db.session.add(jobs.Job(name="reminders", last_success_at=utcnow() - timedelta(days=2)))
    db.session.commit()

    counts = reminder_tasks.run_scans()

    assert counts["call_closing"] == 2 and counts["reviews_due"] == len(on_time) > 0
    keys = db.session.scalars(
        select(Notification.dedup_key).where(Notification.kind == "reminder.call_closing")
    ).all()
    # the reminder that was missed (3 days before), not one made up for today's distance
    assert [key.split(":")[2] for key in keys] == ["3", "3"]
    assert reminder_tasks.run_scans() == dict.fromkeys(counts, 0)  # and only once
    job = db.session.get(jobs.Job, "reminders")
    db.session.refresh(job)
    assert job.last_success_at > utcnow() - timedelta(minutes=1)


def test_a_nearer_reminder_supersedes_a_missed_farther_one():
    today = local_today()
    # missed both the 3-day and the 1-day reminder of a call closing today + 1: only the 1-day
    assert schedule.offset_windows((3, 1), today - timedelta(days=5), today) == [
        (1, today, today + timedelta(days=1)),
        (3, today + timedelta(days=2), today + timedelta(days=3)),
    ]
    assert schedule.offset_windows((3, 1), today, today) == [
        (1, today + timedelta(days=1), today + timedelta(days=1)),
        (3, today + timedelta(days=3), today + timedelta(days=3)),
    ]


def test_beat_runs_the_scans_every_hour_of_the_day():
    schedule_ = BEAT_SCHEDULE["reminders"]["schedule"]
    assert schedule_.hour == set(range(8, 22)) and schedule_.minute == {0}


def test_remind_command_delivers_what_it_queued(app, make, mailbox, monkeypatch):
    handler, port = mailbox
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}.items():
        monkeypatch.setitem(app.config, key, value)
    world(make, 2)

    result = app.test_cli_runner().invoke(args=["notifications", "remind"])

    assert result.exit_code == 0, result.output
    emailed = db.session.scalars(
        select(Notification).where(Notification.email != Delivery.SKIPPED)
    ).all()
    assert len(emailed) >= 5 and len(handler.wait_for(len(emailed))) == len(emailed)
    for notification in emailed:
        db.session.refresh(notification)
    assert {n.email for n in emailed} == {Delivery.SENT}
