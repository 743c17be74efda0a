"""Demo money and rounds: funds with contributions, calls, the reviewer pool."""

from datetime import date, time, timedelta

from sqlalchemy import select

from microventure.accounts.models import (
    OrganizationKind,
    Street,
    User,
)
from microventure.calls import services as calls
from microventure.calls.models import (
    Aggregation,
    AttachmentKind,
    BudgetCategory,
    Domain,
    FormSection,
    LineRule,
    QuestionKind,
    TrancheTrigger,
)
from microventure.calls.questions import QuestionSpec, add_question
from microventure.core.timeutil import local_datetime, local_today
from microventure.demo.story import story_day
from microventure.extensions import db
from microventure.funds import services as funds
from microventure.funds.models import Fund, FundKind
from microventure.reviews.models import ReviewerProfile
from microventure.reviews.pool import services as reviewer_pool

CONTRIBUTIONS = [
    ("南村镇社会组织联合会", 400_000),
    ("爱心企业联盟", 450_000),
    ("社区居民众筹", 300_000),
]
RUBRIC = [
    ("需求分析", "服务需求是否真实、清晰", 20),
    ("项目设计", "目标、活动与指标是否匹配", 25),
    ("可行性", "进度与风险应对是否可行", 15),
    ("预算合理性", "预算是否细致、必要", 15),
    ("机构能力", "团队与过往经验", 10),
    ("创新性", "方法或服务是否有新意", 10),
    ("可持续性", "结束后能否延续", 5),
]


def _call_settings(
    fund: Fund, code: str, title: str, budget_yuan: int, opens_in_days: int, open_days: int
) -> calls.CallSettings:
    opens = local_datetime(local_today() + timedelta(days=opens_in_days), time(9))
    closes = local_datetime(local_today() + timedelta(days=opens_in_days + open_days), time(17))
    starts = (closes + timedelta(days=45)).date()
    return calls.CallSettings(
        fund_id=fund.id,
        street_id=fund.street_id,
        code=code,
        title=title,
        year=starts.year,
        description="围绕长者关爱、垃圾分类、心理健康等社区需求，征集社区微创投项目。",
        budget=budget_yuan * 100,
        domains=list(Domain),
        eligible_kinds=list(OrganizationKind),
        min_rating=None,
        max_applications_per_org=2,
        grant_min=10_000_00,
        grant_max=50_000_00,
        max_grant_share=60,
        category_caps={BudgetCategory.PERSONNEL: 30, BudgetCategory.ADMINISTRATION: 10},
        required_attachments=[AttachmentKind.PROJECT_PLAN],
        criteria=[calls.Criterion(name=n, description=d, max_points=p) for n, d, p in RUBRIC],
        reviewers_per_application=3,
        aggregation=Aggregation.TRIMMED_MEAN,
        funding_line_rule=LineRule.STOP,
        blind_review=True,
        reviewers_see_others_after_submit=True,
        disagreement_threshold=20,
        reviewer_names_in_notice=True,
        notice_working_days=5,
        project_starts_on=starts,
        project_ends_on=starts + timedelta(days=300),
        midterm_report_due_on=starts + timedelta(days=150),
        final_report_due_on=starts + timedelta(days=320),
        overspend_tolerance=10,
        tranches=[
            calls.Tranche(percent=50, trigger=TrancheTrigger.ON_SIGNING),
            calls.Tranche(percent=30, trigger=TrancheTrigger.MIDTERM_ACCEPTED),
            calls.Tranche(percent=20, trigger=TrancheTrigger.FINAL_ACCEPTED),
        ],
        opens_at=opens,
        closes_at=closes,
    )


def _funds(streets: dict[str, Street], street_admin: User, district: User) -> tuple[Fund, Fund]:
    """南村镇's community fund with its donors' contributions, and the district's special fund,
    each recorded on the day its money came in."""
    with story_day(date(2026, 1, 12)):
        pool = funds.create_fund(
            name="番禺区社区慈善专项资金",
            kind=FundKind.SPECIAL_FUND,
            street=None,
            description="区级专项",
            actor=district,
        )
    with story_day(date(2026, 1, 15), 15):
        funds.record_contribution(
            fund=pool,
            donor="区福利彩票公益金",
            amount=2_000_000_00,
            received_on=date(2026, 1, 15),
            note="",
            actor=district,
        )
    with story_day(date(2026, 2, 16)):
        nancun = funds.create_fund(
            name="南村镇社区基金",
            kind=FundKind.COMMUNITY_FUND,
            street=streets["南村镇"],
            description="五社联动 · 南村镇",
            actor=street_admin,
        )
    for k, (donor, yuan) in enumerate(CONTRIBUTIONS):
        with story_day(date(2026, 3, 1), 9, 10 * k):
            funds.record_contribution(
                fund=nancun,
                donor=donor,
                amount=yuan * 100,
                received_on=date(2026, 3, 1),
                note="",
                actor=street_admin,
            )
    return nancun, pool


def load_round(streets: dict[str, Street], district: User) -> None:
    """Two funds and two published calls: one open in 南村镇 now, one district-wide upcoming."""
    if db.session.scalar(select(Fund.id).limit(1)):
        return
    street_admin = db.session.scalar(select(User).where(User.email == "street@demo.local"))
    nancun, pool = _funds(streets, street_admin, district)
    open_call = calls.create_call(
        settings=_call_settings(
            nancun,
            "NC-2026-MCT",
            "2026年南村镇社区微创投项目征集",
            800_000,
            opens_in_days=-10,
            open_days=30,
        ),
        actor=street_admin,
    )
    upcoming = calls.create_call(
        settings=_call_settings(
            pool,
            "PY-2027-MCT",
            "2027年番禺区社区微创投项目征集",
            1_000_000,
            opens_in_days=20,
            open_days=30,
        ),
        actor=district,
    )
    _ask(open_call, street_admin)
    for call, actor in ((open_call, street_admin), (upcoming, district)):
        calls.publish_call(call=call, actor=actor)


# The open call's own questions (optional: the demo's applicants may submit without them).
DEMO_QUESTIONS = [
    QuestionSpec(
        kind=QuestionKind.NUMBER,
        label_zh="项目服务楼栋的住户数",
        label_en="Households in the buildings the project serves",
        unit="户",
        min_value=1,
        max_value=20000,
        section=FormSection.BASICS,
        help="按楼栋登记的住户数填写。",
    ),
    QuestionSpec(
        kind=QuestionKind.YES_NO,
        label_zh="是否持有居家养老服务资质",
        label_en="Do you hold a home-care service licence?",
        section=FormSection.TEAM,
    ),
    QuestionSpec(
        kind=QuestionKind.FILE,
        label_zh="居家养老服务资质证书",
        label_en="Home-care service licence",
        section=FormSection.ATTACHMENTS,
        help="如持有资质，请上传证书扫描件。",
        identifying=True,
    ),
]


def _ask(call, actor: User) -> None:
    for spec in DEMO_QUESTIONS:
        add_question(call=call, spec=spec, actor=actor)


EXPERTISE = [
    [Domain.SMART_ELDERLY_CARE, Domain.MENTAL_HEALTH],
    [Domain.MENTAL_HEALTH, Domain.EDUCATION_TRAINING],
    [Domain.GARBAGE_SORTING, Domain.FEATURED_COMMUNITY],
    [Domain.PARTY_BUILDING, Domain.FEATURED_COMMUNITY],
    [Domain.SMART_ELDERLY_CARE, Domain.EDUCATION_TRAINING],
]
AFFILIATIONS = ["华南师范大学", "番禺区社会工作协会", "会计师事务所", "律师事务所", "社工督导中心"]


def load_reviewer_pool(district: User) -> None:
    """The five demo reviewers in the pool, each with two domains of expertise."""
    have = set(db.session.scalars(select(ReviewerProfile.user_id)))
    for i, (expertise, affiliation) in enumerate(zip(EXPERTISE, AFFILIATIONS, strict=True), 1):
        user = db.session.scalar(select(User).where(User.email == f"reviewer{i}@demo.local"))
        if user.id not in have:
            reviewer_pool.add_reviewer(
                email=user.email,
                name=user.name,
                expertise=expertise,
                affiliation=affiliation,
                organization=None,
                street=None,
                mobile=None,
                password="",
                actor=district,
            )
