"""The rounds of ``flask bench seed`` (bench_seed.py plans them): applications with budget lines,
reviews with their scores, decisions, notices, projects with tranches and reports, activity
records (some with check-ins) and the notifications people received — each written with the
audit events its service would have written, so history timelines read as they would."""

import random
from dataclasses import dataclass
from datetime import timedelta

from microventure.applications.models import Application, ApplicationStatus, BudgetLine
from microventure.applications.models import FundingSource as Source
from microventure.calls.models import BudgetCategory, Domain
from microventure.core.models import AuditEvent
from microventure.decisions.models import Decision, Notice, Outcome
from microventure.ops.bench_seed import CallPlan, World, utc_day
from microventure.projects.models import (
    ProjectStatus,
    RecordStatus,
    ReportStatus,
    TrancheStatus,
)
from microventure.reviews.models import Assignment, AssignmentStatus, Recommendation, Review, Score

S, P, T, R, RS = ApplicationStatus, ProjectStatus, TrancheStatus, ReportStatus, RecordStatus
DOMAINS = list(Domain)
TITLES = (
    ["长者", "儿童", "青少年", "新市民", "残障人士"],
    ["关爱", "成长", "融入", "互助", "赋能"],
)


def budget_lines(application_id: int, grant: int) -> list[dict]:
    """An application's budget rows: ``grant`` fen asked for (activities and personnel) and as
    much again in kind. What it asks for is ``requested(grant)``."""
    line = dict(application_id=application_id, quantity=1, source=Source.GRANT)
    return [
        line
        | dict(position=1, category=BudgetCategory.ACTIVITIES, item="活动物料")
        | dict(unit_price=grant * 7 // 10),
        line
        | dict(position=2, category=BudgetCategory.PERSONNEL, item="社工服务费")
        | dict(unit_price=(grant - grant * 7 // 10) // 10, quantity=10),
        line
        | dict(position=3, category=BudgetCategory.VENUE, item="场地（自有）")
        | dict(unit_price=grant, source=Source.IN_KIND),
    ]


def requested(grant: int) -> int:
    return grant * 7 // 10 + (grant - grant * 7 // 10) // 10 * 10


@dataclass(frozen=True)
class ProjectState:
    status: ProjectStatus
    tranches: tuple  # of the 50/30/20 plan
    midterm: ReportStatus
    final: ReportStatus


def project_state(rng: random.Random, current: bool) -> ProjectState:
    """A project's state as a portfolio has them: ``current`` ones under way, others done."""
    r = rng.random()
    if not current:
        if r < 0.88:
            return ProjectState(P.COMPLETED, (T.PAID, T.PAID, T.PAID), R.ACCEPTED, R.ACCEPTED)
        if r < 0.96:
            return ProjectState(P.TERMINATED, (T.PAID, T.RELEASED, T.RELEASED), R.DRAFT, R.DRAFT)
        return ProjectState(P.COMPLETED, (T.PAID, T.PAID, T.WITHHELD), R.ACCEPTED, R.FAILED)
    if r < 0.05:
        return ProjectState(P.SIGNING, (T.PENDING,) * 3, R.DRAFT, R.DRAFT)
    if r < 0.08:
        return ProjectState(P.SUSPENDED, (T.PAID, T.PENDING, T.PENDING), R.DRAFT, R.DRAFT)
    if r < 0.40:
        return ProjectState(P.ACTIVE, (T.PAID, T.DUE, T.PENDING), R.ACCEPTED, R.DRAFT)
    if r < 0.75:
        return ProjectState(P.ACTIVE, (T.PAID, T.PAID, T.PENDING), R.ACCEPTED, R.DRAFT)
    midterm = R.SUBMITTED if r < 0.9 else R.RETURNED
    return ProjectState(P.ACTIVE, (T.PAID, T.PENDING, T.PENDING), midterm, R.DRAFT)


# ------------------------------------------------------------------------- applications


@dataclass
class Applied:
    """An application as written: what the later steps build on."""

    id: int
    org_id: int
    status: ApplicationStatus
    reference: str | None
    title: str
    domain: Domain
    grant: int
    quality: float
    submitted_at: object


def _statuses(plan: CallPlan, qualities: list[float]) -> list[ApplicationStatus]:
    """Each application's state in its call's phase; the best are the funded ones."""
    n = plan.size
    if plan.role == "ranking":
        return [S.IN_REVIEW] * n
    if plan.role == "open":
        return [S.DRAFT if k % 5 < 2 else S.SUBMITTED for k in range(n)]
    order = sorted(range(n), key=lambda k: -qualities[k])
    funded = set(order[: plan.projects if plan.role == "finalized" else n * 2 // 5])
    ineligible = {k for k in range(n) if k % 33 == 7} - funded
    win = S.APPROVED if plan.role == "finalized" else S.RECOMMENDED
    return [
        win if k in funded else S.INELIGIBLE if k in ineligible else S.NOT_RECOMMENDED
        for k in range(n)
    ]


def write_applications(world: World, plan: CallPlan) -> list[Applied]:
    rng, load = world.rng, world.load
    orgs = world.orgs[plan.street_id]
    qualities = [rng.uniform(0.45, 0.95) for _ in range(plan.size)]
    qualities[0] = 0.99  # the first organisation's (MEMBER's) is funded where funding is done
    statuses = _statuses(plan, qualities)
    closes = utc_day(plan.closes)
    made, rows, lines = [], [], []
    for k, (app_id, status) in enumerate(
        zip(load.ids(Application, plan.size), statuses, strict=True)
    ):
        domain = DOMAINS[k % 6]
        submitted = None if status is S.DRAFT else closes - timedelta(hours=rng.randrange(2, 600))
        reference = None if status is S.DRAFT else f"{plan.code}-{k + 1:04d}"
        title = f"{rng.choice(TITLES[0])}{rng.choice(TITLES[1])}计划（{plan.code[-3:]}-{k + 1}）"
        grant = rng.randrange(100, 500) * 100_00
        applied = Applied(
            app_id,
            orgs[k % len(orgs)],
            status,
            reference,
            title,
            domain,
            grant,
            qualities[k],
            submitted,
        )
        made.append(applied)
        rows.append(_application_row(world, plan, applied))
        lines += budget_lines(app_id, grant)
    load.add(Application, rows)
    load.add(BudgetLine, lines)
    load.add(AuditEvent, [e for a in made for e in _application_events(world, plan, a)])
    return made


def _application_row(world: World, plan: CallPlan, a: Applied) -> dict:
    community = world.communities[plan.street_id][a.id % len(world.communities[plan.street_id])]
    created = utc_day(plan.opens) + timedelta(days=a.id % 20)
    row = dict(
        id=a.id, call_id=plan.id, organization_id=a.org_id, created_by_id=world.owners[a.org_id]
    )
    row |= dict(status=a.status, reference=a.reference, title=a.title, domain=a.domain)
    row |= dict(community_ids=[community], beneficiary_groups="社区居民")
    row |= dict(direct_beneficiaries=50 + a.id % 400, indirect_beneficiaries=200 + a.id % 1500)
    row |= dict(summary="项目简介", need_analysis="需求分析", objectives="项目目标")
    row |= dict(risks="风险应对", sustainability="可持续性", screening_reason=None)
    row |= dict(created_at=created, updated_at=a.submitted_at or created)
    return row | dict(submitted_at=a.submitted_at, requested_grant=requested(a.grant))


def _application_events(world: World, plan: CallPlan, a: Applied) -> list[dict]:
    owner, admin = world.owners[a.org_id], world.admins[plan.street_id]
    if a.status is S.DRAFT:
        return []
    at = a.submitted_at
    after = {"status": "submitted", "reference": a.reference, "version": 1}
    events = [
        world.event(
            "application.submitted",
            "applications",
            a.id,
            owner,
            at,
            {"status": "draft"},
            after | {"requested": requested(a.grant)},
        )
    ]
    if a.status is S.SUBMITTED:
        return events
    screened = S.INELIGIBLE if a.status is S.INELIGIBLE else S.ELIGIBLE
    at = utc_day(plan.closes + timedelta(days=2))
    events.append(
        world.event(
            f"application.{screened.value}",
            "applications",
            a.id,
            admin,
            at,
            {"status": "submitted"},
            {"status": screened.value},
        )
    )
    if screened is S.ELIGIBLE:
        events.append(
            world.event(
                "application.in_review",
                "applications",
                a.id,
                admin,
                at,
                {"status": "eligible"},
                {"status": "in_review"},
            )
        )
    return events


# ------------------------------------------------------------------------------- reviews


def write_reviews(world: World, plan: CallPlan, made: list[Applied]) -> None:
    """``plan.reviews`` declared, submitted reviews of each screened-in application, a score for
    every criterion; the ranking call's panels drawn from the first 30 reviewers (so each has
    enough reviews for the normalised figure), the others' from the whole pool."""
    rng, load = world.rng, world.load
    reviewed = [a for a in made if a.status not in (S.DRAFT, S.SUBMITTED, S.INELIGIBLE)]
    pool = world.reviewers[:30] if plan.role == "ranking" else world.reviewers
    bias = {r: (r * 7919 % 13 - 6) / 100 for r in pool}  # lenient and strict reviewers
    assigned_at = utc_day(plan.closes + timedelta(days=3))
    assignments, reviews, scores = [], [], []
    ids = iter(load.ids(Assignment, len(reviewed) * plan.reviews))
    review_ids = iter(load.ids(Review, len(reviewed) * plan.reviews))
    for n, a in enumerate(reviewed):
        for j in range(plan.reviews):
            reviewer = pool[(n * plan.reviews + j + plan.id) % len(pool)]
            assignment_id, review_id = next(ids), next(review_ids)
            assignments.append(
                dict(id=assignment_id, call_id=plan.id, application_id=a.id, reviewer_id=reviewer)
            )
            assignments[-1] |= dict(
                status=AssignmentStatus.SUBMITTED, due_on=plan.closes + timedelta(days=14)
            )
            assignments[-1] |= dict(
                assigned_by_id=world.admins[plan.street_id], assigned_at=assigned_at
            )
            assignments[-1] |= dict(
                declared_at=assigned_at + timedelta(hours=5), conflict_reason=None
            )
            level = a.quality + bias[reviewer] - (0.35 if n % 8 == 3 and j == 0 else 0)
            reviews.append(_review_row(rng, review_id, assignment_id, level, assigned_at))
            scores += [
                dict(
                    review_id=review_id,
                    criterion_id=c,
                    half_points=round(points * 2 * min(1.0, max(0.0, level + rng.gauss(0, 0.05)))),
                )
                for c, points in zip(plan.criteria, (20, 25, 15, 15, 10, 10, 5), strict=True)
            ]
    load.add(Assignment, assignments)
    load.add(Review, reviews)
    load.add(Score, scores)


def _review_row(rng, review_id: int, assignment_id: int, level: float, at) -> dict:
    recommend = (
        Recommendation.FUND
        if level > 0.75
        else Recommendation.FUND_WITH_CHANGES
        if level > 0.6
        else Recommendation.DO_NOT_FUND
    )
    submitted = at + timedelta(days=rng.randrange(1, 8))
    row = dict(
        id=review_id, assignment_id=assignment_id, comment="评审意见", recommendation=recommend
    )
    suggested = rng.randrange(80, 300) * 100_00 if rng.random() < 0.3 else None
    return row | dict(suggested_amount=suggested, submitted_at=submitted, updated_at=submitted)


# ---------------------------------------------------------------------- decisions, notice


def write_decisions(world: World, plan: CallPlan, made: list[Applied]) -> None:
    """The notice call's and the finalized calls' decisions, their events and the notice."""
    if plan.role not in ("notice", "finalized"):
        return
    admin, decided_at = world.admins[plan.street_id], utc_day(plan.closes + timedelta(days=12))
    rows, events = [], []
    for a in made:
        if a.status in (S.INELIGIBLE, S.DRAFT, S.SUBMITTED):
            continue
        funded = a.status in (S.RECOMMENDED, S.APPROVED)
        outcome = Outcome.RECOMMENDED if funded else Outcome.NOT_RECOMMENDED
        amount = requested(a.grant) if funded else None
        reason = "" if funded else "综合得分未进入资助线"
        rows.append(
            dict(
                application_id=a.id, call_id=plan.id, outcome=outcome, amount=amount, conditions=""
            )
        )
        rows[-1] |= dict(reason=reason, decided_by_id=admin, decided_at=decided_at)
        moved = ({"status": "in_review"}, {"status": outcome.value})
        events.append(
            world.event(
                f"application.{outcome.value}", "applications", a.id, admin, decided_at, *moved
            )
        )
        after = {"outcome": outcome.value, "amount": amount, "conditions": "", "reason": reason}
        events.append(
            world.event(
                f"decision.{outcome.value}", "applications", a.id, admin, decided_at, None, after
            )
        )
        if a.status is S.APPROVED:
            approved = ({"status": "recommended"}, {"status": "approved"})
            events.append(
                world.event(
                    "application.approved",
                    "applications",
                    a.id,
                    admin,
                    decided_at + timedelta(days=10),
                    *approved,
                )
            )
    world.load.add(Decision, rows)
    world.load.add(AuditEvent, events)
    _notice(world, plan, admin)


def _notice(world: World, plan: CallPlan, admin: int) -> None:
    starts = (
        world.today - timedelta(days=2)
        if plan.role == "notice"
        else plan.closes + timedelta(days=14)
    )
    published = utc_day(starts, 1)
    row = dict(
        call_id=plan.id, working_days=5, starts_on=starts, ends_on=starts + timedelta(days=7)
    )
    row |= dict(ends_at=utc_day(starts + timedelta(days=8), 16), show_reviewers=False)
    row |= dict(published_by_id=admin, published_at=published)
    finalized = published + timedelta(days=10) if plan.role == "finalized" else None
    world.load.add(Notice, [row | dict(finalized_at=finalized)])
    window = {
        "status": "notice",
        "starts_on": starts.isoformat(),
        "ends_on": row["ends_on"].isoformat(),
    }
    events = [
        world.event(
            "call.notice_published",
            "calls",
            plan.id,
            admin,
            published,
            {"status": "reviewing"},
            window,
        )
    ]
    if finalized:
        done = {"status": "finalized", "projects": plan.projects}
        events.append(
            world.event(
                "call.finalized", "calls", plan.id, admin, finalized, {"status": "notice"}, done
            )
        )
    world.load.add(AuditEvent, events)
