"""Demo check-in sessions: the first project's first activity counted at the door (residents
with their phones, volunteers checking in and out), linked to its record before acceptance; the
third project's record waiting for review typed more participants than were checked in, so the
reviewing admin sees the flag."""

from datetime import date, time, timedelta

from microventure.attendance import services as attendance
from microventure.attendance.models import CheckInKind
from microventure.core.timeutil import local_datetime
from microventure.demo.story import story_day
from microventure.projects.models import ActivityRecord, Project

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def run_session(
    project: Project, owner, held: date, *, title: str, participants: int, volunteers: int
):
    """A session from 14:00 to 16:30 on ``held``: the participants check in from 13:50 on,
    the volunteers check in at 13:30 and out at 16:40."""
    plan = project.application.activities[0] if project.application.activities else None
    with story_day(held, 9):
        session = attendance.open_session(
            project=project,
            values=attendance.SessionValues(
                title=title,
                place="社区党群服务中心活动室",
                opens_at=local_datetime(held, time(13, 0)),
                closes_at=local_datetime(held, time(16, 30)),
                expected=participants,
            ),
            planned_activity_id=plan.id if plan else None,
            actor=owner,
        )
    start = local_datetime(held, time(13, 30))
    for k in range(volunteers):
        attendance.check_in(
            session=session,
            kind=CheckInKind.VOLUNTEER,
            name=f"志愿者{SURNAMES[k]}",
            digits=f"{6100 + k:04d}",
            device=f"demo-volunteer-{project.id}-{k}",
            now=start,
        )
    for k in range(participants):
        attendance.check_in(
            session=session,
            kind=CheckInKind.PARTICIPANT,
            name=f"{SURNAMES[k % len(SURNAMES)]}{'阿姨' if k % 2 else '伯'}{k // 20 or ''}",
            digits=f"{(k * 7919) % 10000:04d}",
            device=f"demo-phone-{project.id}-{k}",
            now=start + timedelta(minutes=20 + k % 40),
        )
    for k in range(volunteers):
        attendance.check_out(
            session=session,
            name=f"志愿者{SURNAMES[k]}",
            digits=f"{6100 + k:04d}",
            now=local_datetime(held, time(16, 25)),
        )
    return session


def link(session, record: ActivityRecord, owner) -> None:
    attendance.link_to_record(session=session, activity_id=record.id, actor=owner)
