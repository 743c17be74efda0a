"""What the demo projects did after signing: activity records (most accepted, one returned, one
waiting for review, a few with photos) and mid-term reports in every state — accepted and paid,
accepted and due, waiting for review, returned, not yet submitted (overdue) — each on its day."""

import io
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import User
from microventure.applications.models import FundingSource
from microventure.demo.attendance import link as link_check_ins
from microventure.demo.attendance import run_session as run_check_in_session
from microventure.demo.review_round import _scale
from microventure.demo.story import story_day
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.activities import rules as activity_rules
from microventure.projects.activities import services as activities
from microventure.projects.models import Project, ProjectStatus, Report, ReportKind
from microventure.projects.reports import budget as spending
from microventure.projects.reports import services as reports

FIRST_ACTIVITY = date(2026, 6, 6)
TOPICS = ["启动仪式", "入户走访", "主题工作坊", "志愿者培训", "社区集市", "成果分享会"]
COLOURS = [(196, 72, 52), (52, 120, 196), (64, 160, 96), (220, 170, 40)]


def _photo(n: int) -> FileStorage:
    """A small plain picture standing in for an activity photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), COLOURS[n % len(COLOURS)]).save(buffer, "JPEG")
    buffer.seek(0)
    return FileStorage(buffer, filename=f"活动照片{n + 1}.jpg", content_type="image/jpeg")


def _owner(project: Project) -> User:
    return next(m.user for m in project.organization.members if m.is_owner)


def load_activity(made: list[Project], street_admin: User) -> None:
    active = [p for p in made if p.status is ProjectStatus.ACTIVE]
    for n, project in enumerate(active):
        _activities(project, n, street_admin)
    for n, project in enumerate(active):
        _midterm(project, n, street_admin)


def _activities(project: Project, n: int, admin: User) -> None:
    """Records written on the evening of each activity, reviewed two days later."""
    for k in range(3 + n % 3):
        held = FIRST_ACTIVITY + timedelta(days=21 * k + 5 * n)
        last = k == 2 + n % 3
        counted = _check_in(project, n, k, held, last)
        with story_day(held, 19):
            record = _record(project, n, k, held)
            if counted is not None:
                link_check_ins(counted, record, _owner(project))
        with story_day(held + timedelta(days=2)):
            if n == 1 and last:
                activities.return_activity(
                    activity=record, comment="请补充签到表并核对参与人次。", actor=admin
                )
            elif not (n == 2 and last):  # the last record of the third project waits for review
                activities.accept_activity(activity=record, actor=admin)


def _check_in(project: Project, n: int, k: int, held: date, last: bool):
    """The first project's first activity was counted at the door (all came with phones but
    two); the third project's record waiting for review typed far more than were counted."""
    typed = int(20 + _scale(project.title, k) * 60)
    if n == 0 and k == 0:
        participants = typed - 2
    elif n == 2 and last:
        participants = typed // 2
    else:
        return None
    return run_check_in_session(
        project,
        _owner(project),
        held,
        title=f"{project.title} · {TOPICS[k % len(TOPICS)]}",
        participants=participants,
        volunteers=3 + k,
    )


def _record(project: Project, n: int, k: int, held: date):
    application = project.application
    share = _scale(project.title, k)
    participants = int(20 + share * 60)
    return activities.record_activity(
        project=project,
        values=activity_rules.ActivityValues(
            held_on=held,
            title=f"{project.title} · {TOPICS[k % len(TOPICS)]}",
            domain=application.domain,
            participants=participants,
            community_id=(application.community_ids or [None])[0],
            elderly=participants // 2 if "长者" in project.title else None,
            others=participants - participants // 2 if "长者" in project.title else None,
            volunteers=3 + k,
            volunteer_hours=Decimal(6 + 2 * k),
            problems_solved=k % 2,
            description="居民积极参与，现场收集意见建议并形成问题清单。",
            planned_activity_id=application.activities[0].id if application.activities else None,
        ),
        photos=[_photo(n + k)] if k < 2 else [],
        sign_in_sheet=None,
        actor=_owner(project),
    )


def _midterm(project: Project, n: int, admin: User) -> None:
    """Project 0: accepted and its second tranche paid; 1: accepted, tranche due; 2: waiting
    for review; 3: returned; 4: not yet submitted (overdue since 15 October). Written from
    8 October, reviewed on the 20th, the second tranche paid on 2 November."""
    report = next(r for r in project_reports(project) if r.kind is ReportKind.MIDTERM)
    if n == 4:
        return
    with story_day(date(2026, 10, 8 + n)):
        _write_midterm(project, report)
    with story_day(date(2026, 10, 9 + n), 16):
        reports.submit_report(report=report, actor=_owner(project))
    with story_day(date(2026, 10, 20)):
        if n in (0, 1):
            reports.accept_report(report=report, comment="中期评估通过。", actor=admin)
        elif n == 3:
            reports.return_report(
                report=report, reason="请补充支出票据并说明指标完成情况。", actor=admin
            )
    if n == 0:
        with story_day(date(2026, 11, 2), 15):
            projects.record_payment(
                tranche=project.tranches[1],
                paid_on=date(2026, 11, 2),
                reference="NCJZ-2026-11-01",
                actor=admin,
            )


def _write_midterm(project: Project, report: Report) -> None:
    owner = _owner(project)
    indicators = {
        i.id: (int(i.target * 0.55), "按计划推进") for i in project.application.indicators
    }
    reports.save_report(
        report=report,
        narrative="项目按计划推进，已开展多场活动，居民参与度较高。",
        self_assessment="总体良好；下一阶段加强志愿者骨干培育。",
        actuals=indicators,
        actor=owner,
    )
    grant_line = next(
        line for line in project.application.budget_lines if line.source is FundingSource.GRANT
    )
    spending.add_expenditure(
        report=report,
        budget_line_id=grant_line.id,
        amount=project.amount * 2 // 5,
        spent_on=date(2026, 9, 20),
        payee="番禺区某文化用品商行",
        receipt=None,
        actor=owner,
    )


def project_reports(project: Project) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.project_id == project.id)))
