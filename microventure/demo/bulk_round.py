"""A decided round written in bulk (INSERTs of many rows through the models, no services): its
organisations, applications with their grant lines and decisions, the approved ones' projects
with tranches, and activity records. For data at a size no one would click through — the seed
document's 2020 round in the demo, and the tests that pin a page's cost at ten times the data."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from microventure.accounts.models import Organization, OrganizationKind, Street, VerificationStatus
from microventure.applications.models import Application, ApplicationStatus, BudgetLine
from microventure.applications.models import FundingSource as Source
from microventure.applications.services import keep_requested_grant
from microventure.calls.models import BudgetCategory, Call, Domain, TrancheTrigger
from microventure.decisions.models import Decision, Outcome
from microventure.extensions import db
from microventure.projects.models import (
    ActivityRecord,
    Project,
    ProjectStatus,
    RecordStatus,
    Tranche,
    TrancheStatus,
    count_accepted,
)

DOMAINS = list(Domain)
TRANCHES = (50, 30, 20)
DOMAIN_WORDS = {
    Domain.PARTY_BUILDING: "党建引领",
    Domain.GARBAGE_SORTING: "垃圾分类",
    Domain.MENTAL_HEALTH: "心理健康",
    Domain.SMART_ELDERLY_CARE: "智能养老",
    Domain.FEATURED_COMMUNITY: "特色社区",
    Domain.EDUCATION_TRAINING: "教育培训",
}
INELIGIBLE = 3  # per round, when there are enough applications


@dataclass(frozen=True)
class Plan:
    """What to write for one call: counts, amounts (fen) and the year the round ran."""

    applications: int
    approved: int
    records: int  # accepted activity records; four more are written that are not accepted
    requested: int
    granted: int
    year: int
    completed: int = 1  # the first projects are completed (paid in full), the next terminated
    terminated: int = 1


@dataclass
class Totals:
    """What was written, added up: what a page built on it must show."""

    counts: dict = field(
        default_factory=lambda: dict.fromkeys(
            (
                "eligible",
                "ineligible",
                "completed",
                "terminated",
                "participants",
                "volunteers",
                "problems",
            ),
            0,
        )
    )
    money: dict = field(
        default_factory=lambda: dict.fromkeys(
            ("requested", "recommended", "approved", "disbursed", "returned"), 0
        )
    )
    hours: Decimal = Decimal(0)


def _utc(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _organizations(
    *, call: Call, street: Street, plan: Plan, code: Callable[[int], str]
) -> list[int]:
    """The round's applicants: one verified organisation of ``street`` per application."""
    return db.session.scalars(
        insert(Organization).returning(Organization.id),
        [
            dict(
                name=f"{street.name}{DOMAIN_WORDS[DOMAINS[n % 6]]}服务队{call.id}-{n + 1}",
                kind=OrganizationKind.SOCIAL_SERVICE,
                credit_code=code(n),
                street_id=street.id,
                contact_name="联系人",
                contact_mobile="13800138000",
                verification_status=VerificationStatus.VERIFIED,
            )
            for n in range(plan.applications)
        ],
    ).all()


def write_round(
    *,
    call: Call,
    street: Street,
    actor_id: int,
    plan: Plan,
    code: Callable[[int], str],
    totals: Totals,
) -> None:
    """Write the round of ``call`` in ``street``; ``code(n)`` is the n-th organisation's credit
    code. Adds what it wrote to ``totals``."""
    org_ids = _organizations(call=call, street=street, plan=plan, code=code)
    ineligible = INELIGIBLE if plan.applications > plan.approved + INELIGIBLE else 0
    statuses = (
        [ApplicationStatus.APPROVED] * plan.approved
        + [ApplicationStatus.INELIGIBLE] * ineligible
        + [ApplicationStatus.NOT_RECOMMENDED] * (plan.applications - plan.approved - ineligible)
    )
    rows = [
        dict(
            call_id=call.id,
            organization_id=org_id,
            created_by_id=actor_id,
            status=status,
            reference=f"{call.code}-{n + 1:04d}",
            domain=DOMAINS[n % 6],
            title=f"{DOMAIN_WORDS[DOMAINS[n % 6]]}社区项目{n + 1}",
            submitted_at=_utc(date(plan.year, 3 + n % 2, 10)),
        )
        for n, (org_id, status) in enumerate(zip(org_ids, statuses, strict=True))
    ]
    app_ids = db.session.scalars(insert(Application).returning(Application.id), rows).all()
    _lines_and_decisions(call, actor_id, plan, list(zip(app_ids, statuses, strict=True)))
    keep_requested_grant(app_ids)
    totals.counts["ineligible"] += ineligible
    totals.counts["eligible"] += plan.applications - ineligible
    totals.money["requested"] += plan.requested * plan.applications
    totals.money["recommended"] += plan.granted * plan.approved
    totals.money["approved"] += plan.granted * plan.approved
    approved = list(zip(app_ids, rows, strict=True))[: plan.approved]
    project_ids = _projects(call, actor_id, plan, approved, totals)
    _activities(project_ids, [row["domain"] for _a, row in approved], actor_id, plan, totals)


def _lines_and_decisions(call: Call, actor_id: int, plan: Plan, decided: list) -> None:
    line = dict(category=BudgetCategory.ACTIVITIES, item="活动经费", quantity=1)
    db.session.execute(
        insert(BudgetLine),
        [
            dict(line, application_id=a, position=0, unit_price=plan.requested, source=Source.GRANT)
            for a, _s in decided
        ]
        + [
            dict(
                line,
                application_id=a,
                position=1,
                category=BudgetCategory.VENUE,
                item="场地（自有）",
                unit_price=5_000_00,
                source=Source.IN_KIND,
            )
            for a, _s in decided
        ],
    )
    approved = ApplicationStatus.APPROVED
    db.session.execute(
        insert(Decision),
        [
            dict(
                application_id=a,
                call_id=call.id,
                decided_by_id=actor_id,
                outcome=Outcome.RECOMMENDED if s is approved else Outcome.NOT_RECOMMENDED,
                amount=plan.granted if s is approved else None,
                reason="" if s is approved else "综合得分未进入资助线",
                decided_at=_utc(date(plan.year, 4, 20)),
            )
            for a, s in decided
            if s is not ApplicationStatus.INELIGIBLE
        ],
    )


def _project_status(n: int, plan: Plan) -> ProjectStatus:
    if n < plan.completed:
        return ProjectStatus.COMPLETED
    if n < plan.completed + plan.terminated:
        return ProjectStatus.TERMINATED
    return ProjectStatus.ACTIVE


def _projects(call: Call, actor_id: int, plan: Plan, approved: list, totals: Totals) -> list:
    year, statuses = plan.year, [_project_status(n, plan) for n in range(len(approved))]
    project_ids = db.session.scalars(
        insert(Project).returning(Project.id),
        [
            dict(
                application_id=a,
                call_id=call.id,
                organization_id=row["organization_id"],
                agreement_number=f"{row['reference']}-XY",
                title=row["title"],
                amount=plan.granted,
                starts_on=date(year, 5, 1),
                ends_on=date(year + 1, 4, 30),
                status=status,
                signed_on=date(year, 5, 6),
                completed_at=_utc(date(year + 1, 4, 20))
                if status is ProjectStatus.COMPLETED
                else None,
            )
            for (a, row), status in zip(approved, statuses, strict=True)
        ],
    ).all()
    totals.counts["completed"] += statuses.count(ProjectStatus.COMPLETED)
    totals.counts["terminated"] += statuses.count(ProjectStatus.TERMINATED)
    db.session.execute(insert(Tranche), _tranches(project_ids, statuses, actor_id, plan, totals))
    return project_ids


def _tranches(project_ids, statuses, actor_id: int, plan: Plan, totals: Totals) -> list[dict]:
    """Each project's tranche plan: the first tranche paid, every one of a completed project,
    the unpaid ones of a terminated project released; the last takes the rounding."""
    year, rows = plan.year, []
    amounts = [plan.granted * percent // 100 for percent in TRANCHES[:-1]]
    amounts.append(plan.granted - sum(amounts))
    for project_id, status in zip(project_ids, statuses, strict=True):
        for position, (percent, amount) in enumerate(zip(TRANCHES, amounts, strict=True)):
            paid = position == 0 or status is ProjectStatus.COMPLETED
            released = status is ProjectStatus.TERMINATED and position > 0
            state = (
                TrancheStatus.PAID
                if paid
                else (TrancheStatus.RELEASED if released else TrancheStatus.PENDING)
            )
            paid_on = date(year, 5 + position * 2, 15) if paid else None
            rows.append(
                dict(
                    project_id=project_id,
                    position=position,
                    percent=percent,
                    trigger=list(TrancheTrigger)[position],
                    amount=amount,
                    status=state,
                    due_since=_utc(date(year, 5, 6)) if paid else None,
                    paid_on=paid_on,
                    payment_reference=f"PAY-{project_id}-{position + 1}" if paid else None,
                    paid_by_id=actor_id if paid else None,
                    paid_at=_utc(paid_on) if paid else None,
                    reason="项目终止，未拨付部分退回资金池" if released else "",
                    closed_at=_utc(date(year, 8, 1)) if released else None,
                )
            )
            totals.money["disbursed"] += amount if paid else 0
            totals.money["returned"] += amount if released else 0
    return rows


def _activities(project_ids: list, domains: list, actor_id: int, plan: Plan, totals) -> None:
    rows, first = [], date(plan.year, 5, 10)
    for n in range(plan.records + 4):  # four more that are not accepted: not figures
        project = n % len(project_ids)
        participants, volunteers = 20 + n % 17, 2 + n % 4
        hours, problems = Decimal(n % 5 * 2 + 1) / 2, n % 3
        accepted = n < plan.records
        status = (
            RecordStatus.ACCEPTED
            if accepted
            else (RecordStatus.SUBMITTED if n % 2 else RecordStatus.RETURNED)
        )
        rows.append(
            dict(
                project_id=project_ids[project],
                held_on=first + timedelta(days=n % 130),
                title=f"{DOMAIN_WORDS[domains[project]]}活动第{n // len(project_ids) + 1}场",
                domain=domains[project],
                participants=participants,
                volunteers=volunteers,
                volunteer_hours=hours,
                problems_solved=problems,
                status=status,
                created_by_id=actor_id,
                reviewed_by_id=actor_id if accepted else None,
                reviewed_at=_utc(first + timedelta(days=n % 130 + 3)) if accepted else None,
            )
        )
        if accepted:
            totals.counts["participants"] += participants
            totals.counts["volunteers"] += volunteers
            totals.counts["problems"] += problems
            totals.hours += hours
    db.session.execute(insert(ActivityRecord), rows)
    # the projects are new: their accepted records are all counted in the summary at once
    accepted = ActivityRecord.project_id.in_(project_ids)
    count_accepted(accepted & (ActivityRecord.status == RecordStatus.ACCEPTED))
