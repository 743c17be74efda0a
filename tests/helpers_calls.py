"""Factories for funds, calls and applications shared by the tests of those features."""

from datetime import date, datetime, timedelta

from microventure.accounts.models import OrganizationKind
from microventure.applications import services as applications
from microventure.applications.models import FundingSource
from microventure.calls import services as calls
from microventure.calls.models import (
    Aggregation,
    AttachmentKind,
    BudgetCategory,
    CallStatus,
    Domain,
    LineRule,
    TrancheTrigger,
)
from microventure.core.timeutil import utcnow
from microventure.funds import services as funds
from microventure.funds.models import FundKind

RUBRIC = [
    ("需求分析", 20),
    ("项目设计", 25),
    ("可行性", 15),
    ("预算合理性", 15),
    ("机构能力", 10),
    ("创新性", 10),
    ("可持续性", 5),
]


def make_fund(*, actor, street, raised=500_000_00, name=None):
    fund = funds.create_fund(
        name=name or f"{street.name}社区基金",
        kind=FundKind.COMMUNITY_FUND,
        street=street,
        description="",
        actor=actor,
    )
    funds.record_contribution(
        fund=fund,
        donor="爱心企业",
        amount=raised,
        received_on=date(2026, 3, 1),
        note="",
        actor=actor,
    )
    return fund


def call_settings(fund, **overrides) -> calls.CallSettings:
    now = utcnow().replace(microsecond=0)
    values = dict(
        fund_id=fund.id,
        street_id=fund.street_id,
        code="NC-2026-MCT",
        title="2026年南村镇微创投",
        year=2026,
        description="面向南村镇的社区微创投",
        budget=300_000_00,
        domains=[Domain.SMART_ELDERLY_CARE, Domain.GARBAGE_SORTING],
        eligible_kinds=[k for k in OrganizationKind],
        min_rating=None,
        max_applications_per_org=1,
        grant_min=10_000_00,
        grant_max=50_000_00,
        max_grant_share=60,
        category_caps={BudgetCategory.PERSONNEL: 30, BudgetCategory.ADMINISTRATION: 10},
        required_attachments=[AttachmentKind.PROJECT_PLAN],
        criteria=[calls.Criterion(name=n, description="", max_points=p) for n, p in RUBRIC],
        reviewers_per_application=3,
        aggregation=Aggregation.MEAN,
        funding_line_rule=LineRule.STOP,
        blind_review=False,
        reviewers_see_others_after_submit=False,
        disagreement_threshold=20,
        reviewer_names_in_notice=False,
        notice_working_days=5,
        project_starts_on=(now + timedelta(days=60)).date(),
        project_ends_on=(now + timedelta(days=400)).date(),
        midterm_report_due_on=(now + timedelta(days=200)).date(),
        final_report_due_on=(now + timedelta(days=410)).date(),
        overspend_tolerance=10,
        tranches=[
            calls.Tranche(percent=50, trigger=TrancheTrigger.ON_SIGNING),
            calls.Tranche(percent=30, trigger=TrancheTrigger.MIDTERM_ACCEPTED),
            calls.Tranche(percent=20, trigger=TrancheTrigger.FINAL_ACCEPTED),
        ],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
    )
    return calls.CallSettings(**(values | overrides))


def make_call(*, actor, fund, publish=True, **overrides):
    call = calls.create_call(settings=call_settings(fund, **overrides), actor=actor)
    if publish:
        # publishing checks that the close is in the future; tests may move times afterwards
        calls.publish_call(call=call, actor=actor)
        assert call.status is CallStatus.PUBLISHED
    return call


def complete_content(call, **overrides) -> applications.ApplicationContent:
    community = call.street.communities[0] if call.street else None
    values = dict(
        title="长者智能手机课堂",
        domain=Domain.SMART_ELDERLY_CARE,
        community_ids=[community.id] if community else [],
        beneficiary_groups="60岁以上长者",
        direct_beneficiaries=200,
        indirect_beneficiaries=800,
        summary="教长者使用智能手机",
        need_analysis="社区长者数字鸿沟明显",
        objectives="让200名长者学会线上挂号",
        risks="报名不足",
        sustainability="培养长者志愿者",
        activities=[
            applications.ActivityRow(
                name="智能手机课堂", month="2027-01", sessions=10, participants=200
            )
        ],
        indicators=[applications.IndicatorRow(name="学会线上挂号的长者", target=150, unit="人")],
        team=[applications.TeamRow(name="陈社工", role="项目负责人", qualification="中级社工师")],
        budget_lines=[
            applications.BudgetRow(
                category=BudgetCategory.ACTIVITIES,
                item="课堂物料",
                unit_price=1_000_00,
                quantity=20,
                source=FundingSource.GRANT,
            ),
            applications.BudgetRow(
                category=BudgetCategory.PERSONNEL,
                item="讲师费",
                unit_price=500_00,
                quantity=10,
                source=FundingSource.GRANT,
            ),
            applications.BudgetRow(
                category=BudgetCategory.VENUE,
                item="场地（自有）",
                unit_price=2_000_00,
                quantity=10,
                source=FundingSource.IN_KIND,
            ),
        ],
    )
    return applications.ApplicationContent(**(values | overrides))


def at(moment: datetime, **delta) -> datetime:
    return moment + timedelta(**delta)
