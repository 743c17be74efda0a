"""A demo round already in review: a district-wide call that closed yesterday, ten applications
screened eligible, three reviewers on each and every review submitted — so the ranking, the
progress page and the reviewers' own pages have something to show."""

import hashlib
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from microventure.accounts.models import Organization, User, VerificationStatus
from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus, FundingSource
from microventure.calls import services as calls
from microventure.calls.models import BudgetCategory, Call, Domain
from microventure.core.timeutil import utcnow
from microventure.demo.rounds import _call_settings
from microventure.extensions import db
from microventure.funds.models import Fund
from microventure.reviews import services as reviews
from microventure.reviews.models import Assignment, Recommendation

CODE = "PY-2026-MCT"
PROJECTS = [
    ("长者智能手机课堂", Domain.SMART_ELDERLY_CARE),
    ("楼道垃圾分类督导队", Domain.GARBAGE_SORTING),
    ("青少年情绪成长小组", Domain.MENTAL_HEALTH),
    ("红色印记社区寻访", Domain.PARTY_BUILDING),
    ("广府文化邻里节", Domain.FEATURED_COMMUNITY),
    ("家长课堂与亲子阅读", Domain.EDUCATION_TRAINING),
    ("独居长者电话关怀", Domain.SMART_ELDERLY_CARE),
    ("厨余堆肥小菜园", Domain.GARBAGE_SORTING),
    ("社区心理热线志愿者培训", Domain.MENTAL_HEALTH),
    ("非遗醒狮少年班", Domain.FEATURED_COMMUNITY),
]


def _scale(*parts: object) -> float:
    """A repeatable 'random' share of the maximum points, 0.55–0.95, from the names involved."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return 0.55 + (digest[0] / 255) * 0.4


def _content(call: Call, title: str, domain: Domain, community_ids: list[int], n: int):
    grant = 15_000_00 + n * 2_000_00
    return applications.ApplicationContent(
        title=title,
        domain=domain,
        community_ids=community_ids,
        beneficiary_groups="社区居民",
        direct_beneficiaries=150 + n * 10,
        indirect_beneficiaries=600,
        summary=f"{title}：面向社区居民的微创投项目。",
        need_analysis="走访与问卷显示居民需求明显。",
        objectives="提升居民参与与获得感。",
        risks="参与人数不足时加强宣传。",
        sustainability="培育居民骨干持续开展。",
        activities=[
            applications.ActivityRow(name=title, month="2027-03", sessions=8, participants=160)
        ],
        indicators=[applications.IndicatorRow(name="服务人次", target=800, unit="人次")],
        team=[applications.TeamRow(name="项目负责人", role="统筹", qualification="社工师")],
        budget_lines=[
            applications.BudgetRow(
                category=BudgetCategory.ACTIVITIES,
                item="活动物资",
                unit_price=grant,
                quantity=1,
                source=FundingSource.GRANT,
            ),
            applications.BudgetRow(
                category=BudgetCategory.VENUE,
                item="场地（自有）",
                unit_price=grant,
                quantity=1,
                source=FundingSource.IN_KIND,
            ),
        ],
    )


def _submit_eligible_applications(call: Call, district: User) -> None:
    """The verified organisations in turn apply with each of PROJECTS; all pass screening."""
    organizations = db.session.scalars(
        select(Organization)
        .where(Organization.verification_status == VerificationStatus.VERIFIED)
        .order_by(Organization.id)
    ).all()[:5]
    for n, (title, domain) in enumerate(PROJECTS):
        org = organizations[n % len(organizations)]
        owner = next(m.user for m in org.members if m.is_owner)
        application = applications.start_application(call=call, organization=org, actor=owner)
        community = [org.community_id] if org.community_id else []
        applications.save_draft(
            application=application,
            actor=owner,
            content=_content(call, title, domain, community, n),
        )
        applications.submit(
            application=application, actor=owner, at=call.opens_at + timedelta(days=2 + n)
        )
        applications.screen(
            application=application, decision=ApplicationStatus.ELIGIBLE, reason="", actor=district
        )


def _suggested(requested: int, scale: float, *parts: object) -> int | None:
    """What a reviewer suggests granting, in fen: the whole request when they would fund it as
    it is, 70–90 % of it (in whole ¥500) when it needs changes; about one review in four
    suggests no amount (the field is optional), so the page's counts have something to say."""
    digest = hashlib.sha256("|".join(map(str, ("amount", *parts))).encode()).digest()
    if digest[0] < 64:
        return None
    if scale > 0.75:
        return requested
    share = 0.7 + (digest[1] / 255) * 0.2
    return min(requested, round(requested * share / 500_00) * 500_00)


def _submit_reviews(call: Call) -> None:
    """Each reviewer declares no conflict and submits scores (and most a suggested amount) that
    differ by project and reviewer, the same on every load."""
    for assignment in sorted(call_assignments(call), key=lambda a: a.id):
        reviewer = assignment.reviewer
        application = assignment.application
        reviews.sign_declaration(assignment=assignment, actor=reviewer)
        scale = _scale(application.title, reviewer.email)
        reviews.save_review(
            assignment=assignment,
            actor=reviewer,
            submit=True,
            suggested_amount=_suggested(
                application.requested_amount, scale, application.title, reviewer.email
            ),
            points={c.id: str(round(c.max_points * scale * 2) / 2) for c in call.criteria},
            comment="需求清晰，建议细化预算。" if scale > 0.75 else "方案较笼统，可行性需加强。",
            recommendation=Recommendation.FUND
            if scale > 0.75
            else Recommendation.FUND_WITH_CHANGES,
        )


def load_reviewed_round(district: User) -> None:
    """A district-wide call closed yesterday whose applications are screened and reviewed:
    ready for its ranking and decisions."""
    if db.session.scalar(select(Call.id).where(Call.code == CODE)):
        return
    fund = db.session.scalar(select(Fund).where(Fund.street_id.is_(None)))
    settings = replace(
        _call_settings(
            fund,
            CODE,
            "2026年番禺区社区微创投项目征集（第一批）",
            200_000,  # the funding line falls after the eighth application
            opens_in_days=-40,
            open_days=41,  # publishable at any hour today; it is closed below
        ),
        required_attachments=[],
    )
    call = calls.create_call(settings=settings, actor=district)
    calls.publish_call(call=call, actor=district)
    _submit_eligible_applications(call, district)
    call.closes_at = utcnow() - timedelta(days=1)  # the round closed yesterday
    due_on = (utcnow() + timedelta(days=7)).date()
    reviews.apply_plan(call=call, planned=reviews.plan(call), due_on=due_on, actor=district)
    _submit_reviews(call)


def call_assignments(call: Call) -> list[Assignment]:
    return list(db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)))
