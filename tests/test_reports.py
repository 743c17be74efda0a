"""Mid-term and final reports through the services: submission rules, versions, acceptance
(tranche due, project completed), return and resubmission, failure (tranche withheld)."""

import pytest
from flask_babel.speaklater import LazyString
from sqlalchemy import select, update

from microventure.calls.models import TrancheTrigger
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.models import AuditEvent
from microventure.extensions import db
from microventure.funds import queries as fund_queries
from microventure.notifications.models import Notification
from microventure.projects import services as projects
from microventure.projects.models import (
    ProjectStatus,
    Report,
    ReportKind,
    ReportStatus,
    ReportVersion,
    TrancheStatus,
)
from microventure.projects.reports import budget
from microventure.projects.reports import services as reports
from tests.test_reports_helpers import World, english, jpeg, text_file, uploads  # noqa: F401

R = ReportStatus


pytestmark = pytest.mark.usefixtures("english", "uploads")


@pytest.fixture
def world(make):
    return World(make)


def tranche(project, trigger):
    return next(t for t in project.tranches if t.trigger is trigger)


def notifications(kind, report):
    return db.session.scalars(
        select(Notification).where(
            Notification.kind == kind,
            Notification.link == f"/projects/{report.project_id}/reports/{report.kind.value}",
        )
    ).all()


def actions(project) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "projects", AuditEvent.object_id == project.id)
            .order_by(AuditEvent.id)
        )
    )


# ----------------------------------------------------------------------------------- submit


def test_submit_lists_every_problem_at_once(world):
    report = world.report()
    indicator = world.project.application.indicators[0]
    with pytest.raises(RuleViolations) as refused:
        reports.submit_report(report=report, actor=world.owner)
    fields = {field for field, _message in refused.value.problems}
    assert fields == {"narrative", "self_assessment", f"actual_{indicator.id}"}
    assert "学会线上挂号的长者" in str(refused.value)
    assert report.status is R.DRAFT
    assert db.session.scalar(select(ReportVersion.id)) is None


def test_a_draft_may_be_incomplete_but_submit_needs_the_actuals(world):
    report = world.report()
    reports.save_report(
        report=report, narrative="进展", self_assessment="良好", actuals={}, actor=world.owner
    )
    assert "report.saved" in actions(world.project)
    with pytest.raises(RuleViolations) as refused:
        reports.submit_report(report=report, actor=world.owner)
    assert [f for f, _m in refused.value.problems] == [
        f"actual_{world.project.application.indicators[0].id}"
    ]


def test_final_report_cannot_be_submitted_before_the_midterm(world):
    final = world.report(ReportKind.FINAL)
    world.fill(final)
    with pytest.raises(RuleViolations, match="mid-term report before the final"):
        reports.submit_report(report=final, actor=world.owner)
    world.submit(world.report())
    reports.submit_report(report=final, actor=world.owner)
    assert final.status is R.SUBMITTED


def test_submitting_writes_a_version_with_the_whole_report(world):
    report = world.report()
    world.spend(report, "activities", 3_000_00, receipt=jpeg())
    world.spend(report, "personnel", 1_000_50, payee="陈讲师")
    version = world.submit(report)
    assert version.number == 1 and report.status is R.SUBMITTED
    assert report.submitted_at is not None
    snap = version.snapshot
    assert snap["narrative"] == "开展了十次课堂" and snap["self_assessment"] == "基本达到目标"
    assert snap["actuals"] == [
        {
            "indicator_id": world.project.application.indicators[0].id,
            "name": "学会线上挂号的长者",
            "target": 150,
            "unit": "人",
            "actual": 120,
            "note": "",
        }
    ]
    assert [(e["category"], e["amount"], e["payee"]) for e in snap["expenditures"]] == [
        ("activities", 3_000_00, "文具店"),
        ("personnel", 1_000_50, "陈讲师"),
    ]
    assert snap["expenditures"][0]["receipt_name"] == "receipt.jpg"
    assert snap["total_spent"] == 4_000_50
    assert actions(world.project)[-1] == "report.submitted"
    # a submitted report is no longer the organisation's to change
    with pytest.raises(DomainError, match="cannot be changed"):
        world.fill(report, narrative="改")
    with pytest.raises(DomainError, match="cannot be changed"):
        world.spend(report, "activities", 1_00)


# ----------------------------------------------------------------------------- expenditures


def test_expenditure_rules_are_checked_together(world):
    report = world.report()
    other_line = world.lines(world.projects[1])["activities"]
    in_kind = world.lines()["venue"]
    with pytest.raises(RuleViolations) as refused:
        budget.add_expenditure(
            report=report,
            budget_line_id=other_line.id,
            amount=0,
            spent_on=world.project.starts_on.replace(year=world.project.starts_on.year - 1),
            payee=" ",
            receipt=text_file(),
            actor=world.owner,
        )
    assert {f for f, _m in refused.value.problems} == {
        "budget_line_id",
        "amount",
        "spent_on",
        "payee",
        "receipt",
    }
    with pytest.raises(RuleViolations, match="grant budget lines"):
        budget.add_expenditure(
            report=report,
            budget_line_id=in_kind.id,
            amount=1_00,
            spent_on=world.project.starts_on,
            payee="场地",
            receipt=None,
            actor=world.owner,
        )
    with pytest.raises(RuleViolations, match="future"):
        world.spend(report, "activities", 1_00, days_ago=-1)


def test_an_expenditure_can_be_removed_while_the_report_is_a_draft(world):
    report = world.report()
    kept = world.spend(report, "activities", 2_00)
    gone = world.spend(report, "personnel", 3_00, receipt=jpeg())
    receipt = gone.receipt
    budget.remove_expenditure(expenditure=gone, actor=world.owner)
    assert [e.id for e in report.expenditures] == [kept.id]
    assert receipt.removed_at is not None
    assert "report.expenditure_removed" in actions(world.project)


# -------------------------------------------------------------------------------- decisions


def test_accepting_the_midterm_makes_its_tranche_due_and_tells_the_members(world):
    report = world.report()
    world.submit(report)
    assert [n.recipient_id for n in notifications("report.submitted", report)] == [world.admin.id]
    second = tranche(world.project, TrancheTrigger.MIDTERM_ACCEPTED)
    assert second.status is TrancheStatus.PENDING
    reports.accept_report(report=report, comment="材料齐全", actor=world.admin)
    assert report.status is R.ACCEPTED and report.review_comment == "材料齐全"
    assert report.reviewed_by_id == world.admin.id
    assert second.status is TrancheStatus.DUE
    assert tranche(world.project, TrancheTrigger.FINAL_ACCEPTED).status is TrancheStatus.PENDING
    assert world.project.status is ProjectStatus.ACTIVE
    accepted = notifications("report.accepted", report)
    assert [n.recipient_id for n in accepted] == [world.owner.id]
    assert "中期报告" in accepted[0].subject  # the members' language (zh_CN)
    assert {"report.submitted", "report.accepted", "tranche.due"} <= set(actions(world.project))
    with pytest.raises(DomainError):
        reports.accept_report(report=report, actor=world.admin)  # only once


def test_failing_the_midterm_withholds_its_tranche_and_returns_the_money_to_the_fund(world):
    report = world.report()
    world.submit(report)
    held = tranche(world.project, TrancheTrigger.MIDTERM_ACCEPTED)
    before = fund_queries.balance(world.call.fund_id)
    with pytest.raises(DomainError, match="reason"):
        reports.fail_report(report=report, reason=" ", actor=world.admin)
    reports.fail_report(report=report, reason="活动未按计划开展", actor=world.admin)
    assert report.status is R.FAILED
    assert held.status is TrancheStatus.WITHHELD and held.reason == "活动未按计划开展"
    after = fund_queries.balance(world.call.fund_id)
    assert held.amount == 6_000_00  # 30% of ¥20,000
    assert after.unallocated == before.unallocated + held.amount
    assert after.committed == before.committed - held.amount
    failed = notifications("report.failed", report)
    assert [n.recipient_id for n in failed] == [world.owner.id]
    assert "活动未按计划开展" in failed[0].body_text
    assert "report.failed" in actions(world.project)


def test_accepting_the_final_report_completes_the_project(world):
    midterm, final = world.report(), world.report(ReportKind.FINAL)
    world.submit(midterm)
    world.submit(final)
    with pytest.raises(DomainError, match="mid-term report first"):
        reports.accept_report(report=final, actor=world.admin)
    reports.accept_report(report=midterm, actor=world.admin)
    reports.accept_report(report=final, actor=world.admin)
    assert world.project.status is ProjectStatus.COMPLETED
    assert world.project.completed_at is not None
    assert tranche(world.project, TrancheTrigger.FINAL_ACCEPTED).status is TrancheStatus.DUE
    assert "project.completed" in actions(world.project)
    # a completed project's reports are closed
    with pytest.raises(DomainError):
        world.fill(midterm)


def test_a_returned_report_is_revised_and_resubmitted_keeping_both_versions(world):
    report = world.report()
    world.submit(report)
    with pytest.raises(DomainError, match="revise"):
        reports.return_report(report=report, reason="", actor=world.admin)
    reports.return_report(report=report, reason="请补充签到表", actor=world.admin)
    assert report.status is R.RETURNED and report.review_comment == "请补充签到表"
    returned = notifications("report.returned", report)
    assert [n.recipient_id for n in returned] == [world.owner.id]
    assert "请补充签到表" in returned[0].body_text
    world.fill(report, narrative="补充了签到表")
    world.spend(report, "activities", 5_00)
    second = reports.submit_report(report=report, actor=world.owner)
    assert second.number == 2
    versions = db.session.scalars(
        select(ReportVersion).where(ReportVersion.report_id == report.id).order_by("number")
    ).all()
    assert [(v.number, v.snapshot["narrative"]) for v in versions] == [
        (1, "开展了十次课堂"),
        (2, "补充了签到表"),
    ]
    assert versions[0].snapshot["expenditures"] == []
    assert len(versions[1].snapshot["expenditures"]) == 1
    assert len(notifications("report.submitted", report)) == 2  # one per submission
    # versions are append-only
    versions[0].snapshot = {"narrative": "篡改"}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_reports_of_a_project_not_active_cannot_change(world):
    report = world.report()
    projects.suspend(project=world.project, reason="整改", actor=world.admin)
    with pytest.raises(DomainError, match="its reports cannot be changed"):
        world.fill(report)
    projects.resume(project=world.project, reason="整改完成", actor=world.admin)
    world.submit(report)
    projects.terminate(project=world.project, reason="机构注销", actor=world.admin)
    with pytest.raises(DomainError):
        reports.accept_report(report=report, actor=world.admin)


def test_a_decision_made_meanwhile_by_someone_else_is_not_overwritten(world):
    report = world.report()
    world.submit(report)
    # another admin accepted it a moment ago; this session still holds it as submitted
    db.session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(status=R.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    assert report.status is R.SUBMITTED
    with pytest.raises(DomainError, match="Someone else has just changed this report"):
        reports.fail_report(report=report, reason="不合格", actor=world.admin)
    assert tranche(world.project, TrancheTrigger.MIDTERM_ACCEPTED).status is TrancheStatus.PENDING


def test_the_report_name_reaches_notifications_untranslated_until_rendered():
    # rendered per recipient (in their language) by the outbox, not now in the sender's
    assert isinstance(ReportKind.FINAL.label, LazyString)
