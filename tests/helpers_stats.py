"""The seed document's round, built in bulk: three street federations (南村镇, 桥南街, 市桥街)
pooled ¥1,150,000 into community funds, collected 112 applications, approved 71 projects and
held 196 activities (accepted records). ``scale`` multiplies the applications, projects and
activities (and the money raised) for the tests that show a page costs the same at 10×."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from microventure.accounts.models import Organization, OrganizationKind, Role, VerificationStatus
from microventure.applications.models import Application, ApplicationStatus, BudgetLine
from microventure.applications.models import FundingSource as Source
from microventure.calls.models import BudgetCategory, CallStatus, Domain, TrancheTrigger
from microventure.decisions.models import Decision, Outcome
from microventure.extensions import db
from microventure.funds import services as funds
from microventure.funds.models import FundKind
from microventure.projects.models import (
    ActivityRecord,
    Project,
    ProjectStatus,
    RecordStatus,
    Tranche,
    TrancheStatus,
)
from tests.conftest import valid_credit_code
from tests.helpers_calls import make_call

# street: (raised in fen, applications, approved, accepted activity records)
SEED = {
    "南村镇": (500_000_00, 40, 25, 70),
    "桥南街": (350_000_00, 38, 24, 66),
    "市桥街": (300_000_00, 34, 22, 60),
}
RAISED, APPLICATIONS, APPROVED, ACTIVITIES = 1_150_000_00, 112, 71, 196
REQUESTED = 15_000_00  # each application's grant
GRANTED = 13_000_00  # each approved project's grant
TRANCHES = (50, 30, 20)
DOMAINS = list(Domain)


@dataclass
class SeedRound:
    district_admin: object
    street_admins: dict = field(default_factory=dict)  # street name → admin
    streets: dict = field(default_factory=dict)  # name → Street
    calls: dict = field(default_factory=dict)  # street name → Call
    # what was built, for expected figures
    expected: dict = field(default_factory=dict)


def _utc(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed_round(make, *, scale: int = 1) -> SeedRound:
    world = SeedRound(district_admin=make.user(role=Role.DISTRICT_ADMIN, name="区社联会"))
    totals = dict.fromkeys(
        ("requested", "recommended", "approved_amount", "disbursed", "returned", "eligible"), 0
    )
    totals |= dict.fromkeys(("participants", "volunteers", "problems", "completed"), 0)
    totals |= {"hours": Decimal(0), "terminated": 0, "ineligible": 0}
    for index, (name, (raised, apps, approved, records)) in enumerate(SEED.items()):
        raised *= scale
        street = make.street(name)
        admin = make.user(role=Role.STREET_ADMIN, street=street, name=f"{name}管理员")
        world.streets[name], world.street_admins[name] = street, admin
        fund = funds.create_fund(
            name=f"{name}社区基金",
            kind=FundKind.COMMUNITY_FUND,
            street=street,
            description="",
            actor=admin,
        )
        for part in (raised * 3 // 5, raised - raised * 3 // 5):  # two contributions
            funds.record_contribution(
                fund=fund,
                donor="社区企业",
                amount=part,
                received_on=date(2026, 3, 1),
                note="",
                actor=admin,
            )
        call = make_call(
            actor=admin,
            fund=fund,
            publish=False,
            code=f"S{index}-2026-MCT",
            title=f"2026年{name}社区微创投",
            budget=raised,
            grant_max=REQUESTED,
        )
        call.status = CallStatus.FINALIZED
        world.calls[name] = call
        _street_round(
            world, call, admin, street, apps * scale, approved * scale, records * scale, totals
        )
    db.session.flush()
    world.expected = totals
    return world


def _street_round(world, call, admin, street, apps, approved, records, totals) -> None:
    org_ids = db.session.scalars(
        insert(Organization).returning(Organization.id),
        [
            dict(
                name=f"{street.name}社会组织{call.id}-{n}",
                kind=OrganizationKind.SOCIAL_SERVICE,
                credit_code=valid_credit_code(),
                street_id=street.id,
                contact_name="联系人",
                contact_mobile="13800138000",
                verification_status=VerificationStatus.VERIFIED,
            )
            for n in range(apps)
        ],
    ).all()
    ineligible = 3 if apps > approved + 3 else 0
    statuses = (
        [ApplicationStatus.APPROVED] * approved
        + [ApplicationStatus.INELIGIBLE] * ineligible
        + [ApplicationStatus.NOT_RECOMMENDED] * (apps - approved - ineligible)
    )
    app_rows = [
        dict(
            call_id=call.id,
            organization_id=org_id,
            created_by_id=admin.id,
            status=status,
            reference=f"{call.code}-{n + 1:04d}",
            title=f"社区项目{n + 1}",
            domain=DOMAINS[n % len(DOMAINS)],
            submitted_at=_utc(date(2026, 3 + n % 2, 10)),
        )
        for n, (org_id, status) in enumerate(zip(org_ids, statuses, strict=True))
    ]
    app_ids = db.session.scalars(insert(Application).returning(Application.id), app_rows).all()
    db.session.execute(
        insert(BudgetLine),
        [
            dict(
                application_id=a,
                position=0,
                category=BudgetCategory.ACTIVITIES,
                item="活动",
                unit_price=REQUESTED,
                quantity=1,
                source=Source.GRANT,
            )
            for a in app_ids
        ]
        + [
            dict(
                application_id=a,
                position=1,
                category=BudgetCategory.VENUE,
                item="场地",
                unit_price=5_000_00,
                quantity=1,
                source=Source.IN_KIND,
            )
            for a in app_ids
        ],
    )
    totals["requested"] += REQUESTED * apps
    totals["ineligible"] += ineligible
    totals["eligible"] += apps - ineligible
    decided = [(a, s) for a, s in zip(app_ids, statuses, strict=True)]
    db.session.execute(
        insert(Decision),
        [
            dict(
                application_id=a,
                call_id=call.id,
                decided_by_id=admin.id,
                outcome=Outcome.RECOMMENDED
                if s is ApplicationStatus.APPROVED
                else Outcome.NOT_RECOMMENDED,
                amount=GRANTED if s is ApplicationStatus.APPROVED else None,
                reason="" if s is ApplicationStatus.APPROVED else "得分较低",
            )
            for a, s in decided
            if s is not ApplicationStatus.INELIGIBLE
        ],
    )
    totals["recommended"] += GRANTED * approved
    totals["approved_amount"] += GRANTED * approved
    approved_rows = [(a, r) for a, r in zip(app_ids, app_rows, strict=True)][:approved]
    _projects(call, admin, approved_rows, records, totals)


def _projects(call, admin, approved_rows, records, totals) -> None:
    # the first project of the street is completed, the second terminated, the rest active
    status_of = [ProjectStatus.COMPLETED, ProjectStatus.TERMINATED]
    project_ids = db.session.scalars(
        insert(Project).returning(Project.id),
        [
            dict(
                application_id=a,
                call_id=call.id,
                organization_id=row["organization_id"],
                agreement_number=f"{row['reference']}-XY",
                title=row["title"],
                amount=GRANTED,
                starts_on=date(2026, 5, 1),
                ends_on=date(2027, 4, 30),
                status=status_of[n] if n < 2 else ProjectStatus.ACTIVE,
                signed_on=date(2026, 5, 6),
                completed_at=_utc(date(2026, 9, 20)) if n == 0 else None,
            )
            for n, (a, row) in enumerate(approved_rows)
        ],
    ).all()
    totals["completed"] += 1
    totals["terminated"] += 1
    tranche_rows = []
    for n, project_id in enumerate(project_ids):
        for position, percent in enumerate(TRANCHES):
            amount = GRANTED * percent // 100
            paid = position == 0 or n == 0  # all of the completed project, the first of others
            released = n == 1 and position > 0
            tranche_rows.append(
                dict(
                    project_id=project_id,
                    position=position,
                    percent=percent,
                    trigger=list(TrancheTrigger)[position],
                    amount=amount,
                    status=TrancheStatus.PAID
                    if paid
                    else TrancheStatus.RELEASED
                    if released
                    else TrancheStatus.PENDING,
                    due_since=_utc(date(2026, 5, 6)) if paid else None,
                    paid_on=date(2026, 5 + position * 2, 15) if paid else None,
                    payment_reference=f"PAY-{project_id}-{position}" if paid else None,
                    paid_by_id=admin.id if paid else None,
                    closed_at=_utc(date(2026, 8, 1)) if released else None,
                )
            )
            totals["disbursed"] += amount if paid else 0
            totals["returned"] += amount if released else 0
    db.session.execute(insert(Tranche), tranche_rows)
    _activities(project_ids, approved_rows, admin, records, totals)


def _activities(project_ids, approved_rows, admin, records, totals) -> None:
    rows = []
    for n in range(records + 4):  # four more that are not accepted: not figures
        project = n % len(project_ids)
        participants, volunteers, hours = 20 + n % 17, 2 + n % 4, Decimal(n % 5 * 2 + 1) / 2
        problems = n % 3
        status = (
            RecordStatus.ACCEPTED
            if n < records
            else (RecordStatus.SUBMITTED if n % 2 else RecordStatus.RETURNED)
        )
        rows.append(
            dict(
                project_id=project_ids[project],
                held_on=date(2026, 5, 10) + timedelta(days=n % 130),
                title=f"社区活动{n + 1}",
                domain=approved_rows[project][1]["domain"],
                participants=participants,
                volunteers=volunteers,
                volunteer_hours=hours,
                problems_solved=problems,
                status=status,
                created_by_id=admin.id,
            )
        )
        if status is RecordStatus.ACCEPTED:
            totals["participants"] += participants
            totals["volunteers"] += volunteers
            totals["hours"] += hours
            totals["problems"] += problems
    db.session.execute(insert(ActivityRecord), rows)
