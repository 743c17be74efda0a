"""Reminders for reports, projects without activity and ended notices: the right people on the
right days, each reminder once however often the scans run, a fixed number of queries."""

import itertools
from datetime import date, time, timedelta

from sqlalchemy import func, select

from microventure.accounts.models import Membership, Role
from microventure.calls.models import Domain
from microventure.core.timeutil import local_datetime, local_today, utcnow
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.extensions import db
from microventure.notifications.models import Notification
from microventure.projects import services as projects
from microventure.projects.models import (
    ActivityRecord,
    Report,
    ReportKind,
    ReportStatus,
)
from microventure.reminders import scans as reminders
from tests.helpers_decisions import closed_round, finalized_round
from tests.helpers_reviews import pdf

_codes = itertools.count(1)
TODAY = local_today()


def sent(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def recipients(kind: str) -> list[int]:
    return sorted(n.recipient_id for n in sent(kind))


def active_projects(make, n: int = 1):
    """A finalized round with ``n`` projects, each signed (active) and owned by one member."""
    r = finalized_round(
        make, amounts=(20_000_00,) * n, reviewers=0, code=f"NC-2026-P{next(_codes)}"
    )
    for project in r["projects"]:
        projects.sign_agreement(project=project, signed_on=TODAY, upload=pdf(), actor=r["admin"])
    return r


def final_report(project) -> Report:
    return db.session.scalar(
        select(Report).where(Report.project_id == project.id, Report.kind == ReportKind.FINAL)
    )


def owner(project):
    return project.organization.members[0].user


def add_member(make, project, *, active=True):
    user = make.user(locale="en")
    user.is_active = active
    db.session.add(Membership(organization_id=project.organization_id, user=user))
    db.session.flush()
    return user


def record(project, *, entered_on: date, at: time = time(12)):
    row = ActivityRecord(
        project_id=project.id,
        held_on=entered_on,
        title="智能手机课堂",
        domain=Domain.SMART_ELDERLY_CARE,
        participants=20,
        created_by_id=owner(project).id,
    )
    db.session.add(row)
    db.session.flush()
    row.created_at = local_datetime(entered_on, at)
    db.session.flush()
    return row


# ------------------------------------------------------------------------------------ reports


def test_report_due_a_week_and_a_day_before_to_the_members(make):
    r = active_projects(make, 2)
    project, other = r["projects"]
    english = add_member(make, project)
    add_member(make, project, active=False)
    report = final_report(project)
    due = TODAY + timedelta(days=20)
    report.due_on = due
    final_report(other).due_on = due + timedelta(days=1)  # another day: not reminded with it
    db.session.flush()

    assert reminders.reports_due(due - timedelta(days=8)) == 0
    assert reminders.reports_due(due - timedelta(days=7)) == 2
    assert recipients("reminder.report_due") == sorted([owner(project).id, english.id])
    mine = next(n for n in sent("reminder.report_due") if n.recipient_id == english.id)
    assert mine.link == f"/projects/{project.id}/reports/final"
    assert mine.dedup_key == f"reminder.report_due:{report.id}:7:{english.id}"
    assert due.isoformat() in mine.subject and "Final report" in mine.subject
    assert "in 7 day(s)" in mine.body_text
    assert reminders.reports_due(due - timedelta(days=7)) == 0  # again the same day: nothing
    assert reminders.reports_due(due - timedelta(days=3)) == 0
    assert reminders.reports_due(due - timedelta(days=1)) == 2
    assert reminders.reports_due(due) == 1  # only the other report, due tomorrow
    assert sent("reminder.report_due")[-1].recipient_id == owner(other).id
    assert len(sent("reminder.report_due")) == 5


def test_report_reminders_missed_on_their_day_are_caught_up_once(make):
    """The runs from 7 days before the due date to 2 days before were missed, and the overdue
    reminder of 8 days late: the next run sends each once, saying how many days are left."""
    r = active_projects(make, 2)
    soon, late = r["projects"]
    due = TODAY + timedelta(days=30)
    final_report(soon).due_on = due
    final_report(late).due_on = due - timedelta(days=40)  # 8 days late on due - 32
    db.session.flush()
    last_run, today = due - timedelta(days=9), due - timedelta(days=2)

    assert reminders.reports_due(today) == 0  # without catching up: lost
    assert reminders.reports_due(today, last_run) == 1
    (note,) = sent("reminder.report_due")
    assert note.dedup_key.split(":")[2] == "7" and "还有 2 天" in note.body_text
    assert reminders.reports_due(today, last_run) == 0
    overdue_day = due - timedelta(days=32)  # 8 days late: the weekly repeat
    assert reminders.reports_overdue(overdue_day + timedelta(days=3), overdue_day) == 1
    assert reminders.reports_overdue(overdue_day + timedelta(days=3), overdue_day) == 0


def test_report_due_only_while_unsubmitted_and_the_project_active(make):
    r = active_projects(make, 3)
    returned, submitted, suspended = r["projects"]
    due = TODAY + timedelta(days=30)
    for project in r["projects"]:
        final_report(project).due_on = due
    final_report(returned).status = ReportStatus.RETURNED
    final_report(submitted).status = ReportStatus.SUBMITTED
    projects.suspend(project=suspended, reason="机构整改", actor=r["admin"])
    db.session.flush()
    assert reminders.reports_due(due - timedelta(days=7)) == 1
    assert recipients("reminder.report_due") == [owner(returned).id]


def test_report_overdue_the_day_after_then_weekly(make):
    r = active_projects(make)
    project = r["projects"][0]
    report = final_report(project)
    due = TODAY + timedelta(days=5)
    report.due_on = due
    db.session.flush()
    expected = {0: 0, 1: 1, 2: 0, 7: 0, 8: 1, 9: 0, 15: 1}
    assert {late: reminders.reports_overdue(due + timedelta(days=late)) for late in expected} == (
        expected
    )
    assert reminders.reports_overdue(due + timedelta(days=8)) == 0  # twice a day: once
    notes = sent("reminder.report_overdue")
    assert [n.dedup_key for n in notes] == [
        f"reminder.report_overdue:{report.id}:{(due + timedelta(days=late)).isoformat()}:"
        f"{owner(project).id}"
        for late in (1, 8, 15)
    ]
    assert all(due.isoformat() in n.body_text for n in notes)
    assert notes[0].link == f"/projects/{project.id}/reports/final"
    report.status = ReportStatus.SUBMITTED
    db.session.flush()
    assert reminders.reports_overdue(due + timedelta(days=22)) == 0


# -------------------------------------------------------------------------------- no activity


def test_no_activity_after_thirty_days_once_per_period(make):
    r = active_projects(make)
    project = r["projects"][0]
    signed = TODAY - timedelta(days=100)
    project.signed_on = signed
    db.session.flush()

    def day(n: int) -> date:
        return signed + timedelta(days=n)

    assert reminders.projects_without_activity(day(29)) == 0
    assert reminders.projects_without_activity(day(30)) == 1
    assert reminders.projects_without_activity(day(30)) == 0
    assert reminders.projects_without_activity(day(45)) == 0  # same 30-day period
    assert reminders.projects_without_activity(day(60)) == 1
    first, second = sent("reminder.no_activity")
    assert first.recipient_id == owner(project).id and first.link == f"/projects/{project.id}"
    assert "30" in first.subject and "60" in second.subject

    # an activity entered late in the evening of day 70 (Shanghai) starts the count again
    record(project, entered_on=day(70), at=time(23, 30))
    assert reminders.projects_without_activity(day(99)) == 0
    assert reminders.projects_without_activity(day(100)) == 1  # a new lapse, reminded again
    assert len(sent("reminder.no_activity")) == 3


def test_no_activity_counts_the_latest_record(make):
    r = active_projects(make, 2)
    quiet, busy = r["projects"]
    signed = TODAY - timedelta(days=90)
    quiet.signed_on = busy.signed_on = signed
    record(quiet, entered_on=signed + timedelta(days=5))
    record(busy, entered_on=signed + timedelta(days=5))
    record(busy, entered_on=signed + timedelta(days=20), at=time(0, 30))  # 00:30 Shanghai
    assert reminders.projects_without_activity(signed + timedelta(days=35)) == 1
    assert recipients("reminder.no_activity") == [owner(quiet).id]
    assert reminders.projects_without_activity(signed + timedelta(days=49)) == 0
    assert reminders.projects_without_activity(signed + timedelta(days=50)) == 1
    assert recipients("reminder.no_activity") == sorted([owner(quiet).id, owner(busy).id])
    latest = sent("reminder.no_activity")[-1]
    entered = (signed + timedelta(days=20)).isoformat()  # the Shanghai date, not UTC's 19th
    assert latest.dedup_key == f"reminder.no_activity:{busy.id}:{entered}:1:{owner(busy).id}"


def test_no_activity_not_for_ended_projects(make):
    r = active_projects(make, 3)
    completed, terminated, suspended = r["projects"]
    for project in r["projects"]:
        project.signed_on = TODAY - timedelta(days=60)
    projects.complete(project=completed, actor=r["admin"])
    projects.terminate(project=terminated, reason="机构注销", actor=r["admin"])
    projects.suspend(project=suspended, reason="机构整改", actor=r["admin"])
    db.session.flush()
    assert reminders.projects_without_activity(TODAY) == 0


# ------------------------------------------------------------------------------------ notices


def noticed_round(make, *, objections: int = 0):
    """A call in its notice (published a month ago), with ``objections`` open objections."""
    r = closed_round(make, applications_count=2, reviewers=0, code=f"NC-2026-N{next(_codes)}")
    admin, (first, second) = r["admin"], r["applications"]
    decisions.recommend(application=first, amount=20_000_00, actor=admin)
    decisions.not_recommend(application=second, reason="得分较低", actor=admin)
    published = utcnow() - timedelta(days=30)
    r["notice"] = notice = notice_services.publish_notice(
        call=r["call"], actor=admin, now=published
    )
    for i in range(objections):
        notice_services.lodge_objection(
            notice=notice,
            application_id=first.id,
            name=f"居民{i}",
            contact="13800138000",
            text="有异议",
            remote_addr=None,
            now=published + timedelta(hours=1),
        )
    return r


def test_notice_ended_tells_the_street_admins_the_day_after(make):
    r = noticed_round(make, objections=2)
    notice, call = r["notice"], r["call"]
    colleague = make.user(role=Role.STREET_ADMIN, street=r["street"])
    make.user(role=Role.STREET_ADMIN, street=make.street())  # another street
    make.user(role=Role.DISTRICT_ADMIN)
    ends = notice.ends_on

    assert reminders.notices_ended(ends - timedelta(days=1)) == 0
    assert reminders.notices_ended(ends) == 0  # open until the end of its last day
    assert reminders.notices_ended(ends + timedelta(days=1)) == 2
    assert recipients("reminder.notice_ended") == sorted([r["admin"].id, colleague.id])
    note = sent("reminder.notice_ended")[0]
    assert note.link == f"/admin/calls/{call.id}/notice"
    assert note.dedup_key == f"reminder.notice_ended:{notice.id}:{note.recipient_id}"
    assert call.title in note.subject
    assert ends.isoformat() in note.body_text
    assert reminders.notices_ended(ends + timedelta(days=1)) == 0
    assert reminders.notices_ended(ends + timedelta(days=2)) == 0  # once per notice


def test_notice_ended_counts_only_open_objections(make):
    r = noticed_round(make, objections=3)
    english = make.user(role=Role.STREET_ADMIN, street=r["street"], locale="en")
    resolved = r["notice"].objections[0]
    notice_services.resolve_objection(
        objection=resolved, upheld=False, resolution="经核实不成立", actor=r["admin"]
    )
    assert reminders.notices_ended(r["notice"].ends_on + timedelta(days=1)) == 2
    note = next(n for n in sent("reminder.notice_ended") if n.recipient_id == english.id)
    assert "with 2 objection(s) open" in note.body_text


def test_notice_ended_district_wide_goes_to_district_admins(make):
    r = noticed_round(make)
    r["call"].street_id = None
    district = make.user(role=Role.DISTRICT_ADMIN)
    db.session.flush()
    assert reminders.notices_ended(r["notice"].ends_on + timedelta(days=1)) == 1
    assert recipients("reminder.notice_ended") == [district.id]


def test_no_notice_reminder_after_finalize(make):
    r = finalized_round(make, reviewers=0, code=f"NC-2026-F{next(_codes)}")
    assert reminders.notices_ended(r["notice"].ends_on + timedelta(days=1)) == 0
    assert reminders.notices_ended(TODAY) == 0


# --------------------------------------------------------------------------------- all scans


def world(make, n: int):
    """n active projects whose final reports are due on TODAY+7 and whose mid-term reports were
    due yesterday, none with any activity for 30 days; n calls whose notices ended yesterday."""
    r = active_projects(make, n)
    for project in r["projects"]:
        project.signed_on = TODAY - timedelta(days=30)
        final_report(project).due_on = TODAY + timedelta(days=7)
        midterm = db.session.scalar(
            select(Report).where(Report.project_id == project.id, Report.kind == ReportKind.MIDTERM)
        )
        midterm.due_on = TODAY - timedelta(days=1)
    for _ in range(n):
        noticed = noticed_round(make)
        noticed["notice"].ends_on = TODAY - timedelta(days=1)
    db.session.flush()


def kinds() -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Notification.kind, func.count()).group_by(Notification.kind)
        ).all()
    )


def test_running_all_scans_twice_creates_no_duplicates(make):
    world(make, 2)
    first = reminders.run_all(TODAY)
    assert first["reports_due"] == 2 and first["reports_overdue"] == 2
    assert first["projects_without_activity"] == 2 and first["notices_ended"] == 2
    counts = kinds()
    assert reminders.run_all(TODAY) == dict.fromkeys(first, 0)
    assert kinds() == counts


def test_each_scan_makes_a_fixed_number_of_queries(make, count_queries):
    scans = [
        reminders.reports_due,
        reminders.reports_overdue,
        reminders.projects_without_activity,
        reminders.notices_ended,
    ]

    def measure():
        found = {}
        for scan in scans:
            with count_queries() as q:
                assert scan(TODAY) > 0
            found[scan.__name__] = q.count
        db.session.execute(Notification.__table__.delete())
        return found

    world(make, 2)
    few = measure()
    world(make, 6)  # 8 matching in all
    assert measure() == few
