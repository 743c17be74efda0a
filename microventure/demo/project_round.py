"""A demo round carried through to projects: 南村镇's first 2026 round opened in March, was
reviewed, decided and published (公示) in April and finalized; its projects signed agreements in
May, were paid their first tranche, and have been holding activities and reporting since — so
the decisions, notice, project, payment and ledger pages have a story to show.

Every step is told on its own day (``demo.story.story_day``), so the
audit events, the ledger and the pages' dates follow the story, not the day the data was
loaded. The reviewers' scores put the six recommended applications first, in order."""

import io
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Organization, User, VerificationStatus
from microventure.applications import services as applications
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls import services as calls
from microventure.calls.models import Call, Domain
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.demo.project_activity import load_activity
from microventure.demo.review_round import _content, _scale, call_assignments
from microventure.demo.rounds import _call_settings
from microventure.demo.story import story_day
from microventure.extensions import db
from microventure.funds.models import Fund
from microventure.projects import services as projects
from microventure.projects.models import Project
from microventure.reviews import services as reviews
from microventure.reviews.models import Recommendation

CODE = "NC-2026-01"
CREATED = date(2026, 3, 1)  # the afternoon its fund's contributions came in
OPENS, CLOSES = date(2026, 3, 2), date(2026, 3, 31)
SCREENED, ASSIGNED, REVIEWS_DUE = date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 12)
DECIDED, NOTICE_PUBLISHED = date(2026, 4, 15), date(2026, 4, 20)
FINALIZED, TERMINATED, SIGNED = date(2026, 4, 27), date(2026, 5, 8), date(2026, 5, 12)
# (title, domain, recommended yuan or None: below the funding line)
PROPOSALS = [
    ("长者数字助老课堂", Domain.SMART_ELDERLY_CARE, 30_000),
    ("坑头村垃圾分类积分站", Domain.GARBAGE_SORTING, 28_000),
    ("村居长者助餐探访", Domain.SMART_ELDERLY_CARE, 25_000),
    ("邻里互助时间银行", Domain.FEATURED_COMMUNITY, 24_000),
    ("青少年四点半课堂", Domain.EDUCATION_TRAINING, 22_000),
    ("居民心理支持小组", Domain.MENTAL_HEALTH, 20_000),
    ("党建引领楼栋长培育", Domain.PARTY_BUILDING, None),
    ("社区环保手作坊", Domain.GARBAGE_SORTING, None),
]


def load_project_round(street_admin: User) -> list[Project]:
    """Create the round once; returns its projects (empty when it already exists)."""
    if db.session.scalar(select(Call.id).where(Call.code == CODE)):
        return []
    call = _open_call(street_admin)
    submitted = _applications(call, street_admin)
    _reviews(call, street_admin)
    _decide(submitted, street_admin)
    made = _notice_and_projects(call, street_admin)
    _agreements_and_payments(made, street_admin)
    load_activity(made, street_admin)
    return made


def _open_call(street_admin: User) -> Call:
    """Set up on 1 March, open from the 2nd to the 31st (17:00)."""
    fund = db.session.scalar(select(Fund).where(Fund.street_id == street_admin.street_ids().pop()))
    with story_day(CREATED, 14):
        settings = replace(
            _call_settings(fund, CODE, "2026年南村镇社区微创投（第一期）", 120_000, 1, 29),
            required_attachments=[],
            reviewer_names_in_notice=False,
            project_starts_on=date(2026, 5, 15),
            project_ends_on=date(2027, 3, 15),
            midterm_report_due_on=date(2026, 10, 15),
            final_report_due_on=date(2027, 3, 31),
        )
        call = calls.create_call(settings=settings, actor=street_admin)
    with story_day(CREATED, 15):
        calls.publish_call(call=call, actor=street_admin)
    return call


def _applications(call: Call, street_admin: User) -> list[Application]:
    """南村镇's verified organisations apply in turn through March; all pass screening on 1 April."""
    organizations = db.session.scalars(
        select(Organization)
        .where(
            Organization.street_id == call.street_id,
            Organization.verification_status == VerificationStatus.VERIFIED,
        )
        .order_by(Organization.id)
    ).all()
    submitted = []
    for n, (title, domain, _amount) in enumerate(PROPOSALS):
        org = organizations[n % len(organizations)]
        owner = next(m.user for m in org.members if m.is_owner)
        community = [org.community_id] if org.community_id else []
        with story_day(OPENS + timedelta(days=3 + n), 9 + n % 3):
            application = applications.start_application(call=call, organization=org, actor=owner)
            applications.save_draft(
                application=application,
                actor=owner,
                content=_content(call, title, domain, community, n),
            )
        with story_day(OPENS + timedelta(days=10 + n), 16):
            applications.submit(application=application, actor=owner)
        submitted.append(application)
    for k, application in enumerate(submitted):
        with story_day(SCREENED, 9, 5 * k):
            applications.screen(
                application=application,
                decision=ApplicationStatus.ELIGIBLE,
                reason="",
                actor=street_admin,
            )
    return submitted


def _reviews(call: Call, street_admin: User) -> None:
    """Three reviewers on each application from 2 April; each declares no conflict and scores
    by 9 April, the recommended six highest in their order, the other two below the line."""
    with story_day(ASSIGNED):
        reviews.apply_plan(
            call=call, planned=reviews.plan(call), due_on=REVIEWS_DUE, actor=street_admin
        )
    assignments = sorted(call_assignments(call), key=lambda a: a.id)
    reviewers = sorted({a.reviewer_id for a in assignments})
    days: dict[date, list] = {}
    for assignment in assignments:
        n = next(i for i, p in enumerate(PROPOSALS) if p[0] == assignment.application.title)
        day = ASSIGNED + timedelta(days=1 + (reviewers.index(assignment.reviewer_id) + n) % 7)
        days.setdefault(day, []).append((assignment, n))
    for day in sorted(days):  # in the order they happened, declarations in the morning
        with story_day(day, 9):
            for assignment, _n in days[day]:
                reviews.sign_declaration(assignment=assignment, actor=assignment.reviewer)
        with story_day(day, 15):
            for assignment, n in days[day]:
                _score(call, assignment, n)


def _score(call: Call, assignment, n: int) -> None:
    """Points from 93% of the maximum down by 3.5 points per place, within ±1 by reviewer."""
    spread = _scale(assignment.application.title, assignment.reviewer.email) - 0.75  # ±0.2
    share = 0.93 - 0.035 * n + spread / 20
    recommended = PROPOSALS[n][2]
    reviews.save_review(
        assignment=assignment,
        actor=assignment.reviewer,
        submit=True,
        suggested_amount=min(recommended * 100, assignment.application.requested_amount)
        if recommended
        else None,
        points={c.id: str(round(c.max_points * share * 2) / 2) for c in call.criteria},
        comment="需求清晰，建议细化预算。" if recommended else "方案较笼统，可行性需加强。",
        recommendation=Recommendation.FUND if recommended else Recommendation.DO_NOT_FUND,
    )


def _decide(submitted: list[Application], street_admin: User) -> None:
    """On 15 April: the six above the funding line recommended, the two below it not."""
    for k, (application, (_title, _domain, amount)) in enumerate(
        zip(submitted, PROPOSALS, strict=True)
    ):
        with story_day(DECIDED, 10, 5 * k):
            if amount:
                decisions.recommend(
                    application=application,
                    amount=min(amount * 100, application.requested_amount),
                    conditions="按评审意见细化活动预算。",
                    actor=street_admin,
                )
            else:
                decisions.not_recommend(
                    application=application,
                    reason="评审得分未达资助线，建议明年完善后再申报。",
                    actor=street_admin,
                )


def _notice_and_projects(call: Call, street_admin: User) -> list[Project]:
    """The notice from 20 April for five working days, finalized on the 27th into six projects."""
    with story_day(NOTICE_PUBLISHED):
        notice_services.publish_notice(call=call, actor=street_admin)
    with story_day(FINALIZED):
        return notice_services.finalize(call=call, actor=street_admin)


def _agreements_and_payments(made: list[Project], street_admin: User) -> None:
    """The last project ended before signing (8 May); the others signed from 12 May and were
    paid their first tranche a week later, but for one still waiting for payment."""
    with story_day(TERMINATED):
        projects.terminate(
            project=made[-1], reason="机构申请退出：项目负责人离职，无法执行。", actor=street_admin
        )
    for n, project in enumerate(made[:-1]):
        with story_day(SIGNED + timedelta(days=n), 10):
            projects.sign_agreement(
                project=project,
                signed_on=SIGNED + timedelta(days=n),
                upload=_scan(),
                actor=street_admin,
            )
    for n, project in enumerate(made[:-2]):  # one project's first tranche still waits
        paid_on = SIGNED + timedelta(days=7 + n)
        with story_day(paid_on, 15):
            projects.record_payment(
                tranche=project.tranches[0],
                paid_on=paid_on,
                reference=f"NCJZ-2026-05-{n + 1:02d}",
                actor=street_admin,
            )


def _scan() -> FileStorage:
    """A stand-in for the scanned agreement: a one-page PDF."""
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return FileStorage(io.BytesIO(pdf), filename="协议书扫描件.pdf", content_type="application/pdf")
