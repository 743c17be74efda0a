"""Seeding for bench/projects.py: one street's fund the way a district looks after a few years
(see that file and bench/README.md). Shapes follow the services; the bulk is inserted directly."""

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from bench import ranking  # noqa: E402
from microventure.accounts.models import (  # noqa: E402
    Organization,
    OrganizationKind,
    Street,
    User,
    VerificationStatus,
)
from microventure.applications.models import (  # noqa: E402
    Application,
    ApplicationStatus,
    BudgetLine,
    FundingSource,
    PlannedActivity,
)
from microventure.applications.services import keep_requested_grant  # noqa: E402
from microventure.calls import services as calls  # noqa: E402
from microventure.calls.models import Call, CallStatus, Domain  # noqa: E402
from microventure.core.models import AuditEvent  # noqa: E402
from microventure.core.timeutil import local_today, utcnow  # noqa: E402
from microventure.decisions import notice as notices  # noqa: E402
from microventure.decisions import queries as decision_queries  # noqa: E402
from microventure.decisions import services as decisions  # noqa: E402
from microventure.decisions.funding_line import Basis  # noqa: E402
from microventure.decisions.models import Decision, Notice, Outcome  # noqa: E402
from microventure.extensions import db  # noqa: E402
from microventure.funds import services as funds  # noqa: E402
from microventure.funds.models import Fund  # noqa: E402
from microventure.notifications.services import members_of  # noqa: E402
from microventure.ops.bench_rounds import project_state  # noqa: E402
from microventure.ops.bench_seed import audit_row  # noqa: E402
from microventure.projects import services as projects  # noqa: E402
from microventure.projects.activities import rules as activity_rules  # noqa: E402
from microventure.projects.activities import services as activities  # noqa: E402
from microventure.projects.models import (  # noqa: E402
    ActivityRecord,
    Expenditure,
    FilePurpose,
    Project,
    ProjectFile,
    ProjectStatus,
    RecordStatus,
    Report,
    ReportKind,
    ReportStatus,
    Tranche,
    TrancheStatus,
    count_accepted,
)
from microventure.projects.reports import budget  # noqa: E402
from microventure.projects.reports import services as reports  # noqa: E402
from tests.helpers_calls import call_settings  # noqa: E402
from tests.test_activities_support import photo, values  # noqa: E402
from tests.test_projects_support import pdf  # noqa: E402

PASSWORD = ranking.PASSWORD
_insert = ranking._insert
CALL_SIZE = 500  # projects per earlier call
BY_SERVICES = 3  # applications of the projects' call taken through every service
RECORDS_BY_SERVICES = 5  # activity records of the measured project made by the service
P, T, R, RS = ProjectStatus, TrancheStatus, ReportStatus, RecordStatus
S = ApplicationStatus
TITLES = (
    ["长者", "儿童", "青少年", "新市民", "残障人士"],
    ["关爱", "成长", "融入", "互助", "赋能"],
)


@dataclass
class World:
    """What the pages need: ids and the people who log in."""

    admin: str
    member: str = ""
    fund_id: int = 0
    decided_call_id: int = 0  # the call of bench/ranking.py, decided at the funding line
    projects_call_id: int = 0  # the newest call with projects (the measured one among them)
    project_id: int = 0
    month: str = ""  # a month of the measured project with activities, for the calendar
    counts: dict = field(default_factory=dict)


# ------------------------------------------------------------------------- the decided call


def decide_call(args: argparse.Namespace, rng: random.Random) -> World:
    """bench/ranking.py's street, fund and call of scored applications; the call is closed, its
    budget set so the funding line falls after ``--recommended`` applications, and every
    application decided: the first through the services, the rest bulk-inserted."""
    call_id, email = ranking.seed(args, rng)
    admin = db.session.scalar(select(User).where(User.email == email))
    call = db.session.get(Call, call_id)
    now = utcnow()
    call.opens_at, call.closes_at = now - timedelta(days=40), now - timedelta(hours=1)
    line = decision_queries.decisions_page(call, Basis.REQUESTED).rows  # best first
    call.budget = sum(row.entry.row.requested for row in line[: args.recommended])
    db.session.flush()
    line = decision_queries.decisions_page(call, Basis.REQUESTED).rows
    by_services = set(
        db.session.scalars(
            select(Application.id)
            .where(Application.call_id == call.id)
            .order_by(Application.id)
            .limit(ranking.BY_SERVICES)
        )
    )
    applications = {
        a.id: a
        for a in db.session.scalars(select(Application).where(Application.id.in_(by_services)))
    }
    bulk = []
    for row in line:
        application_id = row.application_id
        if application_id in applications:
            application = applications[application_id]
            if row.entry.funded:
                decisions.recommend(application=application, amount=row.entry.amount, actor=admin)
            else:
                decisions.not_recommend(
                    application=application, reason="得分较低，未进入资助线", actor=admin
                )
        else:
            bulk.append(row)
    _bulk_decisions(call, admin, bulk, rng)
    db.session.commit()
    return World(admin=email, fund_id=call.fund_id, decided_call_id=call.id)


def _bulk_decisions(call: Call, admin: User, rows: list, rng: random.Random) -> None:
    """Decision rows, the applications moved and both audited, as ``decisions._record`` does."""
    now = utcnow()
    decided, events = [], []
    for row in rows:
        funded = row.entry.funded
        at = now - timedelta(minutes=rng.randrange(10, 600))
        conditions = "须细化活动预算" if funded and rng.random() < 0.1 else ""
        outcome = Outcome.RECOMMENDED if funded else Outcome.NOT_RECOMMENDED
        reason = "" if funded else "得分较低，未进入资助线"
        decided.append(
            dict(
                application_id=row.application_id,
                call_id=call.id,
                outcome=outcome,
                amount=row.entry.amount if funded else None,
                conditions=conditions,
                reason=reason,
                decided_by_id=admin.id,
                decided_at=at,
            )
        )
        after = {"outcome": outcome.value, "amount": row.entry.amount if funded else None}
        events += [
            _event(
                f"application.{outcome.value}",
                "applications",
                row.application_id,
                admin.id,
                at,
                {"status": row.status.value},
                {"status": outcome.value},
            ),
            _event(
                f"decision.{outcome.value}",
                "applications",
                row.application_id,
                admin.id,
                at,
                None,
                after | {"conditions": conditions, "reason": reason},
            ),
        ]
    _insert(Decision, decided, returning=False)
    _insert(AuditEvent, events, returning=False)
    for outcome in Outcome:
        ids = [d["application_id"] for d in decided if d["outcome"] is outcome]
        for start in range(0, len(ids), ranking.CHUNK):
            db.session.execute(
                update(Application)
                .where(Application.id.in_(ids[start : start + ranking.CHUNK]))
                .values(status=S(outcome.value))
                .execution_options(synchronize_session=False)
            )


_event = audit_row


def publish(world: World) -> None:
    """The decided call's notice, published now through the service, with three objections."""
    call = db.session.get(Call, world.decided_call_id)
    admin = db.session.scalar(select(User).where(User.email == world.admin))
    notice = notices.publish_notice(call=call, actor=admin)
    recommended = db.session.scalars(
        select(Application.id)
        .where(Application.call_id == call.id, Application.status == S.RECOMMENDED)
        .order_by(Application.reference)
        .limit(2)
    ).all()
    for n, application_id in enumerate([*recommended, None]):
        objection = notices.lodge_objection(
            notice=notice,
            application_id=application_id,
            name=f"居民{n + 1}",
            contact="13900139000",
            text="该机构去年的项目未按计划开展活动。",
            remote_addr="127.0.0.1",
        )
    notices.resolve_objection(
        objection=objection, upheld=False, resolution="经核实，不影响本次评审。", actor=admin
    )
    db.session.commit()


# ------------------------------------------------------------------------------ the projects


def seed_projects(args: argparse.Namespace, world: World, rng: random.Random) -> None:
    """Earlier calls of the same fund, one a year with up to 500 projects each (four for the
    default 2,000 projects); last year's made through the services for its first applications,
    with the measured project."""
    admin = db.session.scalar(select(User).where(User.email == world.admin))
    fund = db.session.get(Fund, world.fund_id)
    street = fund.street
    year = local_today().year
    counts = [min(CALL_SIZE, args.projects)]
    while sum(counts) < args.projects:
        counts.append(min(CALL_SIZE, args.projects - sum(counts)))
    for back in range(1, len(counts) + 1):  # the street raised money each year
        funds.record_contribution(
            fund=fund,
            donor=f"{year - back}年度慈善募捐",
            amount=30_000_000_00,
            received_on=date(year - back, 3, 1),
            note="",
            actor=admin,
        )
    orgs = _bulk_organizations(street, min(args.projects, CALL_SIZE * 3))
    main_call, project, owner = _call_through_services(fund, street, admin, year - 1)
    world.projects_call_id, world.project_id, world.member = main_call.id, project.id, owner.email
    project_ids = _bulk_projects(main_call, admin, orgs, counts[0] - BY_SERVICES, rng, current=True)
    for n, count in enumerate(counts[1:], 2):
        call = _past_call(fund, street, admin, year - n)
        project_ids += _bulk_projects(call, admin, orgs, count, rng, current=False)
    _measured_project(args, project, admin, owner, rng)
    db.session.commit()
    if args.other_activities:
        _bulk_other_activities(project_ids, admin.id, args.other_activities, rng)
    db.session.commit()
    world.month = _busiest_month(world.project_id)
    world.counts = {
        table.__tablename__: db.session.scalar(select(func.count()).select_from(table))
        for table in (Application, Decision, Project, Tranche, ActivityRecord, AuditEvent)
    }


def _bulk_organizations(street: Street, count: int) -> list[int]:
    """Organisations of the street up to ``count`` in all (with those of bench/ranking.py); the
    ids of all of them."""
    existing = db.session.scalar(select(func.count()).select_from(Organization))
    _insert(
        Organization,
        [
            dict(
                name=f"社区服务组织{n:04d}",
                kind=OrganizationKind.SOCIAL_SERVICE,
                street_id=street.id,
                community_id=street.communities[0].id,
                credit_code=ranking._credit_code(10_000 + n),
                contact_name="联系人",
                contact_mobile="13800138000",
                verification_status=VerificationStatus.VERIFIED,
            )
            for n in range(max(0, count - existing))
        ],
        returning=False,
    )
    return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))


def _settings(fund: Fund, year: int, **overrides):
    return call_settings(
        fund,
        code=f"BENCH-P{year}",
        title=f"{year}年南村镇社区微创投",
        year=year,
        budget=20_000_000_00,
        required_attachments=[],
        max_applications_per_org=5,
        **overrides,
    )


def _backdate(call: Call, starts: date, ends: date) -> None:
    """Move the call back in time: it closed a month before its projects start on ``starts``."""
    tz = call.opens_at.tzinfo
    call.opens_at = datetime.combine(starts - timedelta(days=60), datetime.min.time(), tz)
    call.closes_at = datetime.combine(starts - timedelta(days=30), datetime.min.time(), tz)
    call.created_at = call.published_at = call.opens_at - timedelta(days=15)
    call.project_starts_on, call.project_ends_on = starts, ends
    call.midterm_report_due_on = starts + (ends - starts) // 2
    call.final_report_due_on = ends + timedelta(days=15)


def _call_through_services(fund: Fund, street: Street, admin: User, year: int):
    """Last year's call: three applications through every service (apply, recommend, notice,
    finalize); the first becomes the measured project. Returns (call, project, its member)."""
    call = calls.create_call(settings=_settings(fund, year), actor=admin)
    calls.publish_call(call=call, actor=admin)
    applications = [
        ranking._apply_through_services(call, street, admin, 1000 + n) for n in range(BY_SERVICES)
    ]
    today = local_today()
    _backdate(call, today - timedelta(days=420), today + timedelta(days=300))
    db.session.flush()
    for application in applications:
        decisions.recommend(
            application=application, amount=application.requested_amount, actor=admin
        )
    published = call.closes_at + timedelta(days=10)
    notices.publish_notice(call=call, actor=admin, now=published)
    made = notices.finalize(call=call, actor=admin)
    notice = db.session.scalar(select(Notice).where(Notice.call_id == call.id))
    notice.finalized_at = published + timedelta(days=10)
    project = made[0]
    return call, project, members_of(project.organization)[0]


def _past_call(fund: Fund, street: Street, admin: User, year: int) -> Call:
    """An earlier call, created by the service, then moved to its year and finalized."""
    call = calls.create_call(settings=_settings(fund, year), actor=admin)
    _backdate(call, date(year, 5, 1), date(year + 1, 4, 30))
    call.status = CallStatus.FINALIZED
    published = call.closes_at + timedelta(days=10)
    db.session.add(
        Notice(
            call=call,
            working_days=5,
            starts_on=published.date(),
            ends_on=published.date() + timedelta(days=7),
            ends_at=published + timedelta(days=8),
            published_by_id=admin.id,
            published_at=published,
            finalized_at=published + timedelta(days=10),
        )
    )
    db.session.flush()
    return call


def _bulk_projects(call, admin, orgs, count: int, rng, *, current: bool) -> list[int]:
    """Approved applications (with their budgets and decisions) and their projects, tranches and
    reports, by bulk INSERT; ``current`` projects are under way, the others mostly completed."""
    if count <= 0:
        return []
    decided_at = call.closes_at + timedelta(days=12)
    first = call.reference_counter + 1
    domains = [Domain(d) for d in call.domains]
    grants = [rng.randrange(100, 500) * 100_00 for _ in range(count)]
    ids = _insert(
        Application,
        [
            dict(
                call_id=call.id,
                organization_id=orgs[(n + call.id * 7) % len(orgs)],
                created_by_id=admin.id,
                status=S.APPROVED,
                reference=f"{call.code}-{first + n:03d}",
                title=f"{rng.choice(TITLES[0])}{rng.choice(TITLES[1])}计划（第{n + 1}期）",
                domain=rng.choice(domains),
                community_ids=[],
                beneficiary_groups="社区居民",
                direct_beneficiaries=rng.randrange(50, 500),
                indirect_beneficiaries=rng.randrange(200, 2000),
                summary="项目简介",
                need_analysis="需求分析",
                objectives="项目目标",
                risks="风险应对",
                sustainability="可持续性",
                submitted_at=call.closes_at - timedelta(days=rng.randrange(1, 20)),
                created_at=call.opens_at + timedelta(days=rng.randrange(0, 20)),
            )
            for n in range(count)
        ],
    )
    call.reference_counter = first + count - 1
    db.session.flush()
    apps = db.session.execute(
        select(
            Application.id, Application.reference, Application.title, Application.organization_id
        )
        .where(Application.id.in_(ids))
        .order_by(Application.id)
    ).all()
    lines = []
    for application_id, grant in zip(ids, grants, strict=True):
        lines += ranking.budget_lines(application_id, grant)
    _insert(BudgetLine, lines, returning=False)
    keep_requested_grant(ids)
    amounts = [g * 7 // 10 + (g - g * 7 // 10) // 10 * 10 for g in grants]
    _insert(
        Decision,
        [
            dict(
                application_id=a.id,
                call_id=call.id,
                outcome=Outcome.RECOMMENDED,
                amount=amount,
                conditions="",
                reason="",
                decided_by_id=admin.id,
                decided_at=decided_at,
            )
            for a, amount in zip(apps, amounts, strict=True)
        ],
        returning=False,
    )
    states = [project_state(rng, current) for _ in apps]
    signed = call.project_starts_on - timedelta(days=5)
    project_ids = _insert(
        Project,
        [
            dict(
                application_id=a.id,
                call_id=call.id,
                organization_id=a.organization_id,
                agreement_number=f"{a.reference}-XY",
                title=a.title,
                amount=amount,
                starts_on=call.project_starts_on,
                ends_on=call.project_ends_on,
                status=state.status,
                status_reason="项目执行中止" if state.status in (P.TERMINATED, P.SUSPENDED) else "",
                signed_on=None if state.status is P.SIGNING else signed,
                created_at=decided_at + timedelta(days=20),
                completed_at=call.closes_at + timedelta(days=400)
                if state.status is P.COMPLETED
                else None,
            )
            for a, amount, state in zip(apps, amounts, states, strict=True)
        ],
    )
    plan = [(item.position, item.percent, item.trigger) for item in call.tranches]
    tranches, report_rows = [], []
    for project_id, amount, state in zip(project_ids, amounts, states, strict=True):
        parts = projects.split(amount, [percent for _, percent, _ in plan])
        for (position, percent, trigger), part, status in zip(
            plan, parts, state.tranches, strict=True
        ):
            paid = status is T.PAID
            on = signed + timedelta(days=10 + 180 * position)
            tranches.append(
                dict(
                    project_id=project_id,
                    position=position,
                    percent=percent,
                    trigger=trigger,
                    amount=part,
                    status=status,
                    due_since=datetime.combine(on, datetime.min.time(), call.opens_at.tzinfo)
                    if status in (T.DUE, T.PAID)
                    else None,
                    paid_on=on if paid else None,
                    payment_reference=f"BK-{project_id}-{position}" if paid else None,
                    paid_by_id=admin.id if paid else None,
                    paid_at=datetime.combine(on, datetime.min.time(), call.opens_at.tzinfo)
                    if paid
                    else None,
                    reason="项目终止" if status in (T.WITHHELD, T.RELEASED) else "",
                    closed_at=datetime.combine(on, datetime.min.time(), call.opens_at.tzinfo)
                    if status in (T.WITHHELD, T.RELEASED)
                    else None,
                )
            )
        for kind, status, due in (
            (ReportKind.MIDTERM, state.midterm, call.midterm_report_due_on),
            (ReportKind.FINAL, state.final, call.final_report_due_on),
        ):
            report_rows.append(
                dict(
                    project_id=project_id,
                    kind=kind,
                    due_on=due,
                    status=status,
                    narrative="" if status is R.DRAFT else "项目进展",
                    self_assessment="" if status is R.DRAFT else "自评",
                    submitted_at=None
                    if status is R.DRAFT
                    else datetime.combine(due, datetime.min.time(), call.opens_at.tzinfo),
                )
            )
    _insert(Tranche, tranches, returning=False)
    _insert(Report, report_rows, returning=False)
    return [
        pid for pid, state in zip(project_ids, states, strict=True) if state.status is not P.SIGNING
    ]


# ------------------------------------------------------------------- the measured project


def _measured_project(args, project: Project, admin: User, owner: User, rng) -> None:
    """Signed, first tranche paid, activity records (a few by the service), the mid-term report
    with its expenditures submitted, accepted and paid, the final report's expenditures."""
    today = local_today()
    projects.sign_agreement(
        project=project, signed_on=project.starts_on - timedelta(days=3), upload=pdf(), actor=admin
    )
    projects.record_payment(
        tranche=project.tranches[0],
        paid_on=project.starts_on,
        reference="BK-2025-0001",
        actor=admin,
    )
    made = [
        activities.record_activity(
            project=project,
            values=values(held_on=project.starts_on + timedelta(days=7 * n)),
            photos=[photo(f"p{n}-{k}.jpg") for k in range(n % 3)],
            sign_in_sheet=None,
            actor=owner,
        )
        for n in range(RECORDS_BY_SERVICES)
    ]
    for record in made[:3]:
        activities.accept_activity(activity=record, actor=admin)
    activities.return_activity(activity=made[3], comment="请补充签到表", actor=admin)
    _bulk_records(
        project, admin.id, owner.id, args.activities - RECORDS_BY_SERVICES, rng, audit=True
    )

    midterm, final = sorted(
        db.session.scalars(select(Report).where(Report.project_id == project.id)),
        key=lambda r: r.kind is ReportKind.FINAL,
    )
    lines = [
        line for line in project.application.budget_lines if line.source is FundingSource.GRANT
    ]
    in_midterm = args.expenditures * 2 // 3
    for n in range(3):
        budget.add_expenditure(
            report=midterm,
            budget_line_id=lines[n % len(lines)].id,
            amount=rng.randrange(50, 300) * 100,
            spent_on=project.starts_on + timedelta(days=10 + n),
            payee=f"供应商{n + 1}",
            receipt=pdf(f"receipt{n}.pdf") if n == 0 else None,
            actor=owner,
        )
    _bulk_expenditures(project, midterm, lines, owner, in_midterm - 3, rng)
    reports.save_report(
        report=midterm,
        narrative="已开展智能手机课堂。",
        self_assessment="基本完成中期目标。",
        actuals={i.id: (120, "") for i in project.application.indicators},
        actor=owner,
    )
    reports.submit_report(report=midterm, actor=owner)
    reports.accept_report(report=midterm, comment="同意", actor=admin)
    paid_on = min(today, project.call.midterm_report_due_on + timedelta(days=20))
    projects.record_payment(
        tranche=project.tranches[1], paid_on=paid_on, reference="BK-2025-0002", actor=admin
    )
    _bulk_expenditures(project, final, lines, owner, args.expenditures - in_midterm, rng)


def _bulk_records(project, admin_id: int, owner_id: int, count: int, rng, *, audit: bool) -> None:
    """Activity records spread over the project's days so far, most accepted, some with photos
    (the measured project) and their audit events."""
    today = local_today()
    first = activity_rules.earliest_day(project)
    days = max(1, (min(today, project.ends_on) - first).days)
    community = project.call.street.communities[0].id if project.call.street else None
    planned = db.session.scalars(
        select(PlannedActivity.id).where(PlannedActivity.application_id == project.application_id)
    ).all()
    rows = []
    for _ in range(count):
        held = first + timedelta(days=rng.randrange(days + 1))
        r = rng.random()
        status = RS.ACCEPTED if r < 0.85 else RS.SUBMITTED if r < 0.95 else RS.RETURNED
        participants = rng.randrange(5, 80)
        created = datetime.combine(held + timedelta(days=1), datetime.min.time(), utcnow().tzinfo)
        rows.append(
            dict(
                project_id=project.id,
                held_on=held,
                title=rng.choice(["长者智能手机课堂", "亲子阅读会", "邻里议事会", "垃圾分类宣传"]),
                community_id=community,
                domain=Domain.SMART_ELDERLY_CARE,
                participants=participants,
                elderly=participants // 2,
                children=None,
                disabled=None,
                others=None,
                volunteers=rng.randrange(0, 6),
                volunteer_hours=Decimal(rng.randrange(0, 200)) / 10,
                problems_solved=rng.randrange(0, 3),
                description="活动记录",
                planned_activity_id=rng.choice(planned) if planned and r < 0.6 else None,
                status=status,
                review_comment="请补充照片" if status is RS.RETURNED else "",
                reviewed_by_id=None if status is RS.SUBMITTED else admin_id,
                reviewed_at=None if status is RS.SUBMITTED else created + timedelta(days=2),
                created_by_id=owner_id,
                created_at=created,
                updated_at=created,
            )
        )
    ids = _insert(ActivityRecord, rows)
    count_accepted(ActivityRecord.id.in_(ids) & (ActivityRecord.status == RS.ACCEPTED))
    if not audit:
        return
    photos, events = [], []
    for record_id, row in zip(ids, rows, strict=True):
        count_photos = rng.choice((0, 1, 2, 3, 4))
        for position in range(count_photos):
            photos.append(
                dict(
                    project_id=project.id,
                    purpose=FilePurpose.PHOTO,
                    activity_id=record_id,
                    position=position,
                    storage_key=f"bench/{record_id}-{position}.jpg",
                    thumbnail_key=f"bench/{record_id}-{position}-thumb.jpg",
                    original_name=f"IMG_{record_id}_{position}.jpg",
                    file_type="jpeg",
                    size=250_000,
                    sha256="0" * 64,
                    uploaded_by_id=owner_id,
                    uploaded_at=row["created_at"],
                )
            )
        after = {"activity_id": record_id, "title": row["title"], "photos": count_photos}
        events.append(
            _event(
                "activity.recorded",
                "projects",
                project.id,
                owner_id,
                row["created_at"],
                None,
                after,
            )
        )
        if row["status"] is not RS.SUBMITTED:
            events.append(
                _event(
                    f"activity.{row['status'].value}",
                    "projects",
                    project.id,
                    admin_id,
                    row["reviewed_at"],
                    {"activity_id": record_id, "status": "submitted"},
                    {"activity_id": record_id, "status": row["status"].value},
                )
            )
    _insert(ProjectFile, photos, returning=False)
    events.sort(key=lambda e: e["occurred_at"])
    _insert(AuditEvent, events, returning=False)


def _bulk_expenditures(project, report, lines, owner, count: int, rng) -> None:
    today = local_today()
    days = max(1, (min(today, project.ends_on) - project.starts_on).days)
    _insert(
        Expenditure,
        [
            dict(
                project_id=project.id,
                report_id=report.id,
                budget_line_id=lines[n % len(lines)].id,
                amount=rng.randrange(50, 300) * 100,
                spent_on=project.starts_on + timedelta(days=rng.randrange(days)),
                payee=f"供应商{n + 4}",
                receipt_file_id=None,
                recorded_by_id=owner.id,
                recorded_at=utcnow(),
            )
            for n in range(count)
        ],
        returning=False,
    )


def _bulk_other_activities(project_ids: list[int], admin_id: int, per_project: int, rng) -> None:
    """``per_project`` records for each other project under way or done (no photos, no audit
    events: those only matter on the measured project's pages), 100 projects per batch."""
    for start in range(0, len(project_ids), 100):
        for project in db.session.scalars(
            select(Project).where(Project.id.in_(project_ids[start : start + 100]))
        ):
            _bulk_records(project, admin_id, admin_id, per_project, rng, audit=False)
        db.session.commit()
        db.session.expunge_all()


def _busiest_month(project_id: int) -> str:
    held = db.session.scalars(
        select(ActivityRecord.held_on).where(ActivityRecord.project_id == project_id)
    ).all()
    months: dict[str, int] = {}
    for day in held:
        key = f"{day.year:04d}-{day.month:02d}"
        months[key] = months.get(key, 0) + 1
    return max(months, key=months.get)


# ------------------------------------------------------------------------------- the timing
