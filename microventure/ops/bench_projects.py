"""The projects of ``flask bench seed``'s finalized calls — tranches, reports, activity records
with some check-in sessions — and the notifications in people's inboxes (bench_rounds.py)."""

from datetime import timedelta
from decimal import Decimal

from microventure.attendance.models import AttendanceSession, CheckIn, CheckInKind
from microventure.calls.models import TrancheTrigger
from microventure.core.models import AuditEvent
from microventure.notifications.models import Delivery, Notification
from microventure.ops.bench_rounds import Applied, ProjectState, project_state, requested
from microventure.ops.bench_seed import CallPlan, World, utc_day
from microventure.projects.models import (
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

P, T, R, RS = ProjectStatus, TrancheStatus, ReportStatus, RecordStatus
BATCH = 20_000  # rows built before they are written
PLAN = tuple(zip((50, 30, 20), TrancheTrigger, strict=True))


def split(amount: int) -> list[int]:
    parts = [amount * percent // 100 for percent, _ in PLAN[:-1]]
    return [*parts, amount - sum(parts)]


def write_projects(world: World, plan: CallPlan, made: list[Applied]) -> list[tuple]:
    """Projects of the call's approved applications with tranches, reports and events.
    Returns (project id, state, application) of each."""
    approved = [a for a in made if a.status.value == "approved"]
    if not approved:
        return []
    current = plan.starts + timedelta(days=300) > world.today
    midterm_ahead = plan.starts + timedelta(days=150) > world.today
    ids = world.load.ids(Project, len(approved))
    made_projects, rows, tranches, reports, events = [], [], [], [], []
    for project_id, a in zip(ids, approved, strict=True):
        state = project_state(world.rng, current)
        if midterm_ahead and state.status is P.ACTIVE:  # nothing to report yet
            state = ProjectState(P.ACTIVE, (T.PAID, T.PENDING, T.PENDING), R.DRAFT, R.DRAFT)
        if a.org_id == world.manifest.get("member_org") and "project_id" not in world.manifest:
            state = ProjectState(P.ACTIVE, (T.PAID, T.DUE, T.PENDING), R.ACCEPTED, R.DRAFT)
            world.manifest |= {"project_id": project_id, "application_id": a.id}
        made_projects.append((project_id, state, a))
        rows.append(_project_row(plan, project_id, a, state))
        tranches += _tranches(world, plan, project_id, a, state, events)
        reports += _reports(plan, project_id, state)
        after = {"amount": requested(a.grant), "tranches": [p for p, _ in PLAN]}
        created = utc_day(plan.starts - timedelta(days=10))
        events.append(
            world.event(
                "project.created", "projects", project_id, world.district_id, created, None, after
            )
        )
        if state.status is not P.SIGNING:
            moved = ({"status": "signing"}, {"status": "active"})
            events.append(
                world.event(
                    "project.active",
                    "projects",
                    project_id,
                    world.admins[plan.street_id],
                    created + timedelta(days=5),
                    *moved,
                )
            )
    world.load.add(Project, rows)
    world.load.add(Tranche, tranches)
    world.load.add(Report, reports)
    world.load.add(AuditEvent, events)
    return made_projects


def _project_row(plan: CallPlan, project_id: int, a: Applied, state: ProjectState) -> dict:
    ends = plan.starts + timedelta(days=300)
    row = dict(id=project_id, application_id=a.id, call_id=plan.id, organization_id=a.org_id)
    row |= dict(agreement_number=f"{a.reference}-XY", title=a.title, amount=requested(a.grant))
    row |= dict(starts_on=plan.starts, ends_on=ends, status=state.status)
    row |= dict(status_reason="项目执行中止" if state.status in (P.TERMINATED, P.SUSPENDED) else "")
    row |= dict(signed_on=None if state.status is P.SIGNING else plan.starts - timedelta(days=5))
    row |= dict(agreement_file_id=None, created_at=utc_day(plan.starts - timedelta(days=10)))
    return row | dict(completed_at=utc_day(ends) if state.status is P.COMPLETED else None)


def _tranches(world, plan, project_id, a, state, events) -> list[dict]:
    rows, admin = [], world.admins[plan.street_id]
    for position, ((percent, trigger), part, status) in enumerate(
        zip(PLAN, split(requested(a.grant)), state.tranches, strict=True)
    ):
        on = plan.starts + timedelta(days=5 + 150 * position)
        paid, closed = status is T.PAID, status in (T.WITHHELD, T.RELEASED)
        row = dict(project_id=project_id, position=position, percent=percent, trigger=trigger)
        row |= dict(amount=part, status=status, paid_on=on if paid else None)
        row |= dict(due_since=utc_day(on) if status in (T.DUE, T.PAID) else None)
        row |= dict(payment_reference=f"BK-{project_id}-{position}" if paid else None)
        row |= dict(paid_by_id=admin if paid else None, paid_at=utc_day(on) if paid else None)
        rows.append(
            row
            | dict(reason="项目终止" if closed else "", closed_at=utc_day(on) if closed else None)
        )
        if paid:
            after = {
                "tranche": position,
                "amount": part,
                "paid_on": on.isoformat(),
                "reference": row["payment_reference"],
            }
            events.append(
                world.event("tranche.paid", "projects", project_id, admin, utc_day(on), None, after)
            )
    return rows


def _reports(plan: CallPlan, project_id: int, state: ProjectState) -> list[dict]:
    rows = []
    for kind, status, due in (
        (ReportKind.MIDTERM, state.midterm, plan.starts + timedelta(days=150)),
        (ReportKind.FINAL, state.final, plan.starts + timedelta(days=320)),
    ):
        written = status is not R.DRAFT
        row = dict(project_id=project_id, kind=kind, due_on=due, status=status)
        row |= dict(
            narrative="项目进展" if written else "", self_assessment="自评" if written else ""
        )
        row |= dict(submitted_at=utc_day(due) if written else None, review_comment="")
        row |= dict(reviewed_by_id=None, reviewed_at=None, created_at=utc_day(plan.starts))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- activities


def write_activities(world: World, projects: list[tuple], count: int) -> None:
    """``count`` activity records over the projects under way or done, held between their
    start and today; most accepted; about one in thirty with a check-in session."""
    running = [(p, s, a) for p, s, a in projects if s.status is not P.SIGNING]
    if not running:
        return
    rng, load = world.rng, world.load
    ids = load.ids(ActivityRecord, count)
    records, sessions, check_ins, events = [], [], [], []
    for n, record_id in enumerate(ids):
        project_id, _state, a = running[n % len(running)]
        plan_start = world.projects_start[project_id]
        days = max(1, min((world.today - plan_start).days, 300))
        held = plan_start + timedelta(days=rng.randrange(days))
        r = rng.random()
        status = RS.ACCEPTED if r < 0.85 else RS.SUBMITTED if r < 0.95 else RS.RETURNED
        owner = world.owners[a.org_id]
        row = _record_row(world, record_id, project_id, a, held, status, owner)
        if n % 30 == 7:
            row["verified_participants"] = _session(
                world, record_id, project_id, row, sessions, check_ins
            )
        records.append(row)
        events += _record_events(world, row)
        if len(records) == BATCH or n == len(ids) - 1:  # memory bounded at scale 10
            load.add(ActivityRecord, records)
            load.add(AttendanceSession, sessions)
            load.add(CheckIn, check_ins)
            load.add(AuditEvent, events)
            records, sessions, check_ins, events = [], [], [], []


def _record_events(world: World, row: dict) -> list[dict]:
    """What recording the activity and reviewing it audited (on the project)."""
    record_id, project_id, status = row["id"], row["project_id"], row["status"]
    after = {"activity_id": record_id, "title": row["title"], "participants": row["participants"]}
    after["held_on"] = row["held_on"].isoformat()
    at, owner = row["created_at"], row["created_by_id"]
    events = [world.event("activity.recorded", "projects", project_id, owner, at, None, after)]
    if status is not RS.SUBMITTED:
        before = {"activity_id": record_id, "status": "submitted"}
        moved = (before, {"activity_id": record_id, "status": status.value})
        reviewer, at = row["reviewed_by_id"], row["reviewed_at"]
        events.append(
            world.event(f"activity.{status.value}", "projects", project_id, reviewer, at, *moved)
        )
    return events


def _record_row(world, record_id, project_id, a, held, status, owner) -> dict:
    rng = world.rng
    participants = rng.randrange(5, 80)
    created = utc_day(held + timedelta(days=1))
    reviewed = status is not RS.SUBMITTED
    row = dict(id=record_id, project_id=project_id, held_on=held, domain=a.domain)
    row |= dict(title=rng.choice(["长者智能手机课堂", "亲子阅读会", "邻里议事会", "垃圾分类宣传"]))
    row |= dict(community_id=None, participants=participants, elderly=participants // 2)
    row |= dict(children=None, disabled=None, others=None, volunteers=rng.randrange(0, 6))
    row |= dict(
        volunteer_hours=Decimal(rng.randrange(0, 200)) / 10, problems_solved=rng.randrange(0, 3)
    )
    row |= dict(
        description="活动记录", planned_activity_id=None, sign_in_sheet_id=None, status=status
    )
    row |= dict(review_comment="请补充照片" if status is RS.RETURNED else "")
    row |= dict(reviewed_by_id=world.district_id if reviewed else None)
    row |= dict(reviewed_at=created + timedelta(days=2) if reviewed else None)
    return row | dict(
        created_by_id=owner, created_at=created, updated_at=created, verified_participants=0
    )


def _session(world, record_id, project_id, record, sessions, check_ins) -> int:
    """A check-in session of the record with most of its participants checked in."""
    session_id = world.load.ids(AttendanceSession, 1)[0]
    opens = utc_day(record["held_on"], 1)
    checked = max(1, record["participants"] * 4 // 5)
    row = dict(
        id=session_id, project_id=project_id, activity_id=record_id, planned_activity_id=None
    )
    row |= dict(
        title=record["title"],
        place="社区服务中心",
        opens_at=opens,
        closes_at=opens + timedelta(hours=3),
    )
    row |= dict(expected=record["participants"], keeps_names=False, token_generation=1)
    row |= dict(participants=checked, volunteers=0, volunteer_minutes=0, details_deleted_at=None)
    sessions.append(
        row | dict(created_by_id=record["created_by_id"], created_at=opens - timedelta(days=1))
    )
    check_ins += [
        dict(
            session_id=session_id,
            kind=CheckInKind.PARTICIPANT,
            person_hash=f"{session_id:016x}{k:048x}",
        )
        | dict(
            device_hash=None,
            name=None,
            user_id=None,
            checked_in_at=opens + timedelta(minutes=k % 60),
        )
        | dict(checked_out_at=None, minutes=None)
        for k in range(checked)
    ]
    return checked


# ------------------------------------------------------------------------ notifications

KINDS = (
    ("application.submitted", "申报已提交"),
    ("review.assigned", "您有新的评审任务"),
    ("decision.recommended", "项目拟资助"),
    ("tranche.paid", "资金已拨付"),
    ("reminder.report_due", "报告即将到期"),
    ("activity.returned", "活动记录被退回"),
)


def write_notifications(world: World, count: int) -> None:
    """``count`` notifications to the organisations' owners, reviewers and admins over two
    years: most read, e-mailed or skipped, none pending (the outbox sweep finds nothing)."""
    rng = world.rng
    people = list(world.owners.values()) + world.reviewers + list(world.admins.values())
    rows = []
    for n, notification_id in enumerate(world.load.ids(Notification, count)):
        kind, subject = KINDS[n % len(KINDS)]
        at = world.now - timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
        sent = n % 5 != 0
        row = dict(id=notification_id, recipient_id=people[n % len(people)], kind=kind)
        row |= dict(dedup_key=f"bench:{notification_id}", locale="zh_CN", subject=subject)
        row |= dict(
            body_text=f"{subject}。", body_html=f"<p>{subject}。</p>", link="", created_at=at
        )
        row |= dict(read_at=at + timedelta(hours=5) if n % 4 else None)
        row |= dict(email=Delivery.SENT if sent else Delivery.SKIPPED, attempts=1 if sent else 0)
        row |= dict(
            next_attempt_at=at, claimed_at=None, sent_at=at if sent else None, last_error=None
        )
        rows.append(row)
        if len(rows) == BATCH:
            world.load.add(Notification, rows)
            rows = []
    world.load.add(Notification, rows)
