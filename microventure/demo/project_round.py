"""A demo round carried through to projects: 南村镇's first 2026 round opened in March, was
decided and published (公示) in April and finalized; its projects signed agreements in May, were
paid their first tranche, and have been holding activities and reporting since — so the
decisions, notice, project, payment and ledger pages have a story to show."""

import io
from dataclasses import replace
from datetime import date, time, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Organization, User, VerificationStatus
from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus
from microventure.calls import services as calls
from microventure.calls.models import Call, Domain
from microventure.core.timeutil import local_datetime
from microventure.decisions import notice as notice_services
from microventure.decisions import services as decisions
from microventure.demo.project_activity import load_activity
from microventure.demo.review_round import _content
from microventure.demo.rounds import _call_settings
from microventure.extensions import db
from microventure.funds.models import Fund
from microventure.projects import services as projects
from microventure.projects.models import Project

CODE = "NC-2026-01"
OPENS, CLOSES = date(2026, 3, 2), date(2026, 3, 31)
NOTICE_PUBLISHED = date(2026, 4, 20)
SIGNED = date(2026, 5, 12)
# (title, domain, recommended yuan or None with the reason it is not recommended)
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
    fund = db.session.scalar(select(Fund).where(Fund.street_id == street_admin.street_ids().pop()))
    settings = replace(
        _call_settings(fund, CODE, "2026年南村镇社区微创投（第一期）", 200_000, 0, 30),
        required_attachments=[],
        reviewer_names_in_notice=False,
    )
    call = calls.create_call(settings=settings, actor=street_admin)
    calls.publish_call(call=call, actor=street_admin)
    # The round happened earlier this year: move its dates back (services refuse past dates).
    call.opens_at = local_datetime(OPENS)
    call.project_starts_on, call.project_ends_on = date(2026, 5, 15), date(2027, 3, 15)
    call.midterm_report_due_on, call.final_report_due_on = date(2026, 10, 15), date(2027, 3, 31)
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
        application = applications.start_application(call=call, organization=org, actor=owner)
        community = [org.community_id] if org.community_id else []
        applications.save_draft(
            application=application,
            actor=owner,
            content=_content(call, title, domain, community, n),
        )
        applications.submit(
            application=application, actor=owner, at=call.opens_at + timedelta(days=3 + n)
        )
        applications.screen(
            application=application,
            decision=ApplicationStatus.ELIGIBLE,
            reason="",
            actor=street_admin,
        )
        submitted.append(application)
    call.closes_at = local_datetime(CLOSES, time(17))
    for application, (_title, _domain, amount) in zip(submitted, PROPOSALS, strict=True):
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
    notice_services.publish_notice(
        call=call, actor=street_admin, now=local_datetime(NOTICE_PUBLISHED)
    )
    made = notice_services.finalize(call=call, actor=street_admin)
    for n, project in enumerate(made):
        if n == len(made) - 1:
            projects.terminate(
                project=project,
                reason="机构申请退出：项目负责人离职，无法执行。",
                actor=street_admin,
            )
            continue
        projects.sign_agreement(
            project=project,
            signed_on=SIGNED + timedelta(days=n),
            upload=_scan(),
            actor=street_admin,
        )
        if n < len(made) - 2:  # one project's first tranche still waits for payment
            projects.record_payment(
                tranche=project.tranches[0],
                paid_on=SIGNED + timedelta(days=7 + n),
                reference=f"NCJZ-2026-05-{n + 1:02d}",
                actor=street_admin,
            )
    load_activity(made, street_admin)
    return made


def _scan() -> FileStorage:
    """A stand-in for the scanned agreement: a one-page PDF."""
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return FileStorage(io.BytesIO(pdf), filename="协议书扫描件.pdf", content_type="application/pdf")
