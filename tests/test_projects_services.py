"""Projects through the services: exact tranche amounts, signing, payments, withholding,
suspension and termination, and what each does to the fund."""

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from microventure.calls.models import TrancheTrigger
from microventure.core.audit import timeline
from microventure.core.errors import DomainError
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.funds import queries as fund_queries
from microventure.notifications.models import Notification
from microventure.projects import services as projects
from microventure.projects.models import ProjectStatus, ReportKind, Tranche, TrancheStatus
from microventure.projects.services import split
from microventure.projects.tranches import (
    AGREEMENT_SIGNED,
    TRIGGERS,
    fired_by,
    report_accepted,
)
from tests.test_projects_support import funded_round, owner_of, pay, pdf, sign

P, T = ProjectStatus, TrancheStatus


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def english(app):
    """Messages are compared in English (the zh catalogue is filled separately)."""
    with app.test_request_context(), force_locale("en"):
        yield


# ------------------------------------------------------------------------------- tranche amounts


@pytest.mark.parametrize(
    ("amount", "plan", "expected"),
    [
        # 3,333,333 × 50% = 1,666,666.5 → 1,666,666; × 30% = 999,999.9 → 999,999; the last
        # takes what is left: 3,333,333 − 2,666,665 = 666,668.
        (33_333_33, [50, 30, 20], [1_666_666, 999_999, 666_668]),
        # × 33% = 1,099,999.89 → 1,099,999 twice; the last 3,333,333 − 2,199,998 = 1,133,335
        (33_333_33, [33, 33, 34], [1_099_999, 1_099_999, 1_133_335]),
        (33_333_33, [100], [33_333_33]),
        # × 1% = 33,333.33 → 33,333; the last 3,300,000
        (33_333_33, [1, 99], [33_333, 3_300_000]),
        (1, [50, 30, 20], [0, 0, 1]),
        (10_000_01, [50, 50], [500_000, 500_001]),
    ],
)
def test_split_adds_up_exactly_and_the_last_takes_the_rounding(amount, plan, expected):
    parts = split(amount, plan)
    assert parts == expected
    assert sum(parts) == amount


def test_split_refuses_a_plan_not_summing_to_100():
    with pytest.raises(ValueError):
        split(100_00, [50, 30])


def test_every_trigger_is_fired_by_one_event_and_each_report_fires_its_own():
    assert set(TRIGGERS) == set(TrancheTrigger)  # a new trigger needs its registry line
    assert fired_by(AGREEMENT_SIGNED) == [TrancheTrigger.ON_SIGNING]
    assert fired_by(report_accepted(ReportKind.MIDTERM)) == [TrancheTrigger.MIDTERM_ACCEPTED]
    assert fired_by(report_accepted(ReportKind.FINAL)) == [TrancheTrigger.FINAL_ACCEPTED]


def test_projects_created_by_finalize_carry_exact_tranches(make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(33_333_33, 25_000_01))
    first, second = r["projects"]
    assert [t.amount for t in first.tranches] == [1_666_666, 999_999, 666_668]
    assert sum(t.amount for t in first.tranches) == first.amount == 33_333_33
    # 2,500,001 × 50% = 1,250,000.5 → 1,250,000; × 30% = 750,000.3 → 750,000; last 500,001
    assert [t.amount for t in second.tranches] == [1_250_000, 750_000, 500_001]
    assert [t.percent for t in second.tranches] == [50, 30, 20]
    assert all(t.status is T.PENDING for t in first.tranches + second.tranches)
    assert first.status is P.SIGNING and first.agreement_number.endswith("-XY")
    created = [e for e in timeline(first) if e.action == "project.created"]
    assert created[0].after["tranches"] == [1_666_666, 999_999, 666_668]


# ------------------------------------------------------------------------------------ signing


@pytest.fixture
def round_(make, monkeypatch):
    return funded_round(make, monkeypatch)


def test_signing_needs_a_date_not_in_the_future(round_):
    project, admin = round_["projects"][0], round_["admin"]
    for day, message in (
        (None, "Enter the date the agreement was signed."),
        (local_today() + timedelta(days=1), "The signing date cannot be in the future."),
    ):
        with pytest.raises(DomainError) as refused:
            projects.sign_agreement(project=project, signed_on=day, upload=pdf(), actor=admin)
        assert refused.value.field == "signed_on"
        assert str(refused.value) == message
    assert project.status is P.SIGNING


@pytest.mark.parametrize(
    "upload",
    [
        pdf("agreement.pdf", b"just some text, not a PDF at all\n"),  # a .txt renamed .pdf
        pdf("agreement.docx", b"PK\x03\x04" + b"\x00" * 40),
        None,
    ],
)
def test_signing_needs_a_pdf_or_a_scan(round_, upload):
    project, admin = round_["projects"][0], round_["admin"]
    with pytest.raises(DomainError) as refused:
        projects.sign_agreement(
            project=project, signed_on=local_today(), upload=upload, actor=admin
        )
    assert refused.value.field == "agreement"
    assert project.status is P.SIGNING and project.signed_on is None


def test_a_jpeg_scan_is_accepted(round_):
    from tests.test_projects_support import JPEG

    project, admin = round_["projects"][0], round_["admin"]
    projects.sign_agreement(
        project=project, signed_on=local_today(), upload=pdf("scan.jpg", JPEG), actor=admin
    )
    assert project.status is P.ACTIVE and project.agreement_file.file_type == "jpeg"


def test_signing_makes_the_first_tranche_due_and_tells_admins_and_members(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    assert project.status is P.ACTIVE and project.signed_on == local_today()
    assert [t.status for t in project.tranches] == [T.DUE, T.PENDING, T.PENDING]
    assert project.tranches[0].due_since is not None
    told = db.session.scalars(
        select(Notification).where(
            Notification.kind == "tranche.due",
            Notification.dedup_key.like(f"tranche.due:{project.tranches[0].id}:%"),
        )
    ).all()
    assert {n.recipient_id for n in told} == {admin.id, owner_of(project).id}
    assert all(n.link == f"/projects/{project.id}" for n in told)
    with pytest.raises(DomainError):
        sign(project, admin)  # once only
    actions = [e.action for e in timeline(project)]
    assert "project.active" in actions and "tranche.due" in actions


# ----------------------------------------------------------------------------------- payments


def test_a_tranche_not_yet_due_cannot_be_paid(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    with pytest.raises(DomainError) as refused:
        pay(project.tranches[1], admin)
    assert str(refused.value) == "Only a due tranche can be paid; this one is Not yet due."
    assert project.tranches[1].status is T.PENDING


def test_a_tranche_is_paid_once(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    pay(project.tranches[0], admin, reference="BK-2026-001")
    first = project.tranches[0]
    assert first.status is T.PAID and first.payment_reference == "BK-2026-001"
    assert first.paid_on == local_today() and first.paid_by_id == admin.id
    with pytest.raises(DomainError) as refused:
        pay(first, admin, reference="BK-2026-002")
    assert str(refused.value) == "Only a due tranche can be paid; this one is Paid."
    db.session.refresh(first)
    assert first.payment_reference == "BK-2026-001"
    assert fund_queries.balance(round_["call"].fund_id).disbursed == first.amount == 12_500_00
    paid = db.session.scalars(select(Notification).where(Notification.kind == "tranche.paid")).all()
    assert {n.recipient_id for n in paid} == {owner_of(project).id}


def test_payment_fields_are_checked(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    tranche = project.tranches[0]
    for kwargs, field in (
        ({"paid_on": None, "reference": "X"}, "paid_on"),
        ({"paid_on": local_today() + timedelta(days=1), "reference": "X"}, "paid_on"),
        ({"paid_on": local_today() - timedelta(days=1), "reference": "X"}, "paid_on"),
        ({"paid_on": local_today(), "reference": "  "}, "reference"),
        ({"paid_on": local_today(), "reference": "X" * 81}, "reference"),
    ):
        with pytest.raises(DomainError) as refused:
            projects.record_payment(tranche=tranche, actor=admin, **kwargs)
        assert refused.value.field == field, kwargs
    assert tranche.status is T.DUE


def test_no_payment_while_the_project_is_suspended(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    projects.suspend(project=project, reason="活动暂停整改", actor=admin)
    assert project.status is P.SUSPENDED and project.status_reason == "活动暂停整改"
    with pytest.raises(DomainError) as refused:
        pay(project.tranches[0], admin)
    assert str(refused.value) == "The project is Suspended: no payments now."
    projects.resume(project=project, reason="整改完成", actor=admin)
    pay(project.tranches[0], admin)
    assert project.tranches[0].status is T.PAID


def test_suspend_and_resume_need_a_reason_and_the_right_state(round_):
    project, admin = round_["projects"][0], round_["admin"]
    with pytest.raises(DomainError):
        projects.suspend(project=project, reason="暂停", actor=admin)  # not active yet
    sign(project, admin)
    with pytest.raises(DomainError) as refused:
        projects.suspend(project=project, reason=" ", actor=admin)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        projects.resume(project=project, reason="恢复", actor=admin)  # not suspended


# ------------------------------------------------------------------------ withholding, ending


def test_withholding_needs_a_reason_and_returns_the_money(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    fund_id = round_["call"].fund_id
    before = fund_queries.balance(fund_id)
    with pytest.raises(DomainError) as refused:
        projects.withhold(tranche=project.tranches[1], reason="", actor=admin)
    assert refused.value.field == "reason"
    projects.withhold(tranche=project.tranches[1], reason="中期评估不合格", actor=admin)
    assert project.tranches[1].status is T.WITHHELD
    assert project.tranches[1].reason == "中期评估不合格"
    after = fund_queries.balance(fund_id)
    assert after.unallocated - before.unallocated == 7_500_00
    assert before.committed - after.committed == 7_500_00


def test_terminating_releases_the_unpaid_tranches_to_the_fund(round_):
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    pay(project.tranches[0], admin)
    fund_id = round_["call"].fund_id
    before = fund_queries.balance(fund_id)
    projects.terminate(project=project, reason="机构注销", actor=admin)
    assert project.status is P.TERMINATED and project.status_reason == "机构注销"
    assert [t.status for t in project.tranches] == [T.PAID, T.RELEASED, T.RELEASED]
    assert all(t.reason == "机构注销" for t in project.tranches[1:])
    after = fund_queries.balance(fund_id)
    # the unpaid 30% + 20% of ¥25,000: ¥7,500 + ¥5,000
    assert after.unallocated - before.unallocated == 12_500_00
    assert after.disbursed == before.disbursed == 12_500_00
    assert after.raised == after.unallocated + after.reserved + after.committed + after.disbursed
    with pytest.raises(DomainError):
        projects.terminate(project=project, reason="再次", actor=admin)


@pytest.mark.parametrize(
    ("act", "message"),
    [
        (
            lambda project, admin: projects.withhold(
                tranche=project.tranches[0], reason="评估不合格", actor=admin
            ),
            "A tranche that is Paid cannot become Withheld.",
        ),
        (
            lambda project, admin: projects.terminate(project=project, reason="注销", actor=admin),
            "A tranche that is Paid cannot become Released to the fund.",
        ),
    ],
)
def test_a_tranche_paid_meanwhile_is_not_moved_from_a_stale_copy(round_, act, message):
    """Another admin pays the tranche in their own transaction while this session still holds
    it as due: withholding or terminating is refused instead of failing on the constraint."""
    project, admin = round_["projects"][0], round_["admin"]
    sign(project, admin)
    tranche = project.tranches[0]
    db.session.execute(
        update(Tranche)
        .where(Tranche.id == tranche.id)
        .values(status=T.PAID, paid_on=local_today(), payment_reference="OTHER-ADMIN")
        .execution_options(synchronize_session=False)
    )
    assert tranche.status is T.DUE  # this session's stale copy
    with pytest.raises(DomainError) as refused:
        act(project, admin)
    assert str(refused.value) == message
    assert tranche.status is T.PAID and tranche.payment_reference == "OTHER-ADMIN"


def test_a_terminated_project_takes_no_agreement(round_):
    project, admin = round_["projects"][0], round_["admin"]
    projects.terminate(project=project, reason="机构注销", actor=admin)
    with pytest.raises(DomainError) as refused:
        sign(project, admin)
    assert str(refused.value) == "The project is Terminated: no agreement now."
