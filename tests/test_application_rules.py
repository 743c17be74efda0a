"""The submission rules, service by service: each violation has its own message and field."""

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import ExclusionKind, OrganizationKind, Role, VerificationStatus
from microventure.accounts.organizations import add_exclusion
from microventure.applications import services
from microventure.applications.models import ApplicationStatus, FundingSource
from microventure.calls.models import AttachmentKind, BudgetCategory, Domain
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.timeutil import local_today, utcnow
from tests.helpers_calls import complete_content, make_call, make_fund

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(app, make, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    applicant = make.user()
    org = make.organization(street=street, owner=applicant)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    application = services.start_application(call=call, organization=org, actor=applicant)
    return {
        "admin": admin,
        "applicant": applicant,
        "org": org,
        "call": call,
        "application": application,
        "street": street,
    }


def upload(name="项目计划书.pdf", data=PDF):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def fields_of(exc: RuleViolations) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for field, message in exc.problems:
        out.setdefault(field, []).append(str(message))
    return out


def ready(world, **content):
    app = world["application"]
    services.save_draft(
        application=app,
        content=complete_content(world["call"], **content),
        actor=world["applicant"],
    )
    if not app.current_attachments:
        services.add_attachment(
            application=app,
            kind=AttachmentKind.PROJECT_PLAN,
            upload=upload(),
            actor=world["applicant"],
        )
    return app


def problems(world, at=None, **content) -> dict[str, list[str]]:
    app = ready(world, **content)
    with pytest.raises(RuleViolations) as raised:
        services.submit(application=app, actor=world["applicant"], at=at)
    assert app.status is ApplicationStatus.DRAFT
    return fields_of(raised.value)


def test_a_complete_application_submits_with_a_reference_and_a_snapshot(world):
    app = ready(world)
    services.submit(application=app, actor=world["applicant"])
    assert app.status is ApplicationStatus.SUBMITTED
    assert app.reference == "NC-2026-MCT-001"
    (version,) = app.versions
    assert version.snapshot["totals"] == {
        "requested": 25_000_00,
        "matching": 20_000_00,
        "total": 45_000_00,
    }
    assert version.snapshot["attachments"][0]["name"] == "项目计划书.pdf"


def test_an_empty_draft_lists_every_missing_section(world):
    app = world["application"]
    with pytest.raises(RuleViolations) as raised:
        services.submit(application=app, actor=world["applicant"])
    fields = fields_of(raised.value)
    for name in (
        "title",
        "summary",
        "need_analysis",
        "objectives",
        "domain",
        "community_ids",
        "direct_beneficiaries",
        "activities",
        "indicators",
        "team",
        "budget_lines",
        "attachments",
    ):
        assert name in fields, name


def test_domain_outside_the_call(world):
    assert "domain" in problems(world, domain=Domain.PARTY_BUILDING)


def test_requested_amount_outside_the_range(world):
    lines = [
        services.BudgetRow(
            category=BudgetCategory.ACTIVITIES,
            item="物料",
            unit_price=100_00,
            quantity=10,
            source=FundingSource.GRANT,
        ),
        services.BudgetRow(
            category=BudgetCategory.VENUE,
            item="场地",
            unit_price=100_00,
            quantity=10,
            source=FundingSource.MATCHING,
        ),
    ]
    fields = problems(world, budget_lines=lines)
    assert "¥1,000.00" in fields["requested"][0] and "¥10,000.00" in fields["requested"][0]


def test_too_little_matching_funds(world):
    lines = [
        services.BudgetRow(
            category=BudgetCategory.ACTIVITIES,
            item="物料",
            unit_price=1_000_00,
            quantity=20,
            source=FundingSource.GRANT,
        ),
        services.BudgetRow(
            category=BudgetCategory.VENUE,
            item="场地",
            unit_price=1_000_00,
            quantity=5,
            source=FundingSource.MATCHING,
        ),
    ]
    fields = problems(world, budget_lines=lines)
    assert "40%" in fields["matching"][0]


def test_category_cap(world):
    lines = [
        services.BudgetRow(
            category=BudgetCategory.PERSONNEL,
            item="人员",
            unit_price=1_000_00,
            quantity=15,
            source=FundingSource.GRANT,
        ),
        services.BudgetRow(
            category=BudgetCategory.ACTIVITIES,
            item="活动",
            unit_price=1_000_00,
            quantity=15,
            source=FundingSource.GRANT,
        ),
        services.BudgetRow(
            category=BudgetCategory.VENUE,
            item="场地",
            unit_price=1_000_00,
            quantity=30,
            source=FundingSource.MATCHING,
        ),
    ]
    fields = problems(world, budget_lines=lines)
    assert "30%" in fields["budget_lines"][0]


def test_missing_required_attachment(world):
    app = world["application"]
    services.save_draft(
        application=app, content=complete_content(world["call"]), actor=world["applicant"]
    )
    with pytest.raises(RuleViolations) as raised:
        services.submit(application=app, actor=world["applicant"])
    assert list(fields_of(raised.value)) == ["attachments"]


def test_one_second_after_the_close_is_refused_and_the_last_second_is_not(world):
    call = world["call"]
    closes = call.closes_at
    fields = problems(world, at=closes + timedelta(seconds=1))
    assert list(fields) == ["call"]
    services.submit(application=world["application"], actor=world["applicant"], at=closes)
    assert world["application"].status is ApplicationStatus.SUBMITTED


def test_before_the_call_opens(world):
    assert "call" in problems(world, at=world["call"].opens_at - timedelta(seconds=1))


@pytest.mark.parametrize("status", [VerificationStatus.PENDING, VerificationStatus.SUSPENDED])
def test_unverified_organisations_cannot_submit(world, status):
    world["org"].verification_status = status
    assert "organization" in problems(world)


def test_excluded_organisation_cannot_submit(world, make):
    add_exclusion(
        organization=world["org"],
        kind=ExclusionKind.DISHONEST,
        reason="失信",
        starts_on=local_today() - timedelta(days=1),
        ends_on=None,
        actor=world["admin"],
    )
    assert any("失信" in m or "dishonesty" in m for m in problems(world)["organization"])


def test_kind_and_rating_rules(world):
    call = world["call"]
    call.eligible_kinds = [OrganizationKind.SOCIAL_GROUP.value]
    call.min_rating = 3
    messages = problems(world)["organization"]
    assert len(messages) == 2


def test_application_limit_per_organisation(world):
    services.submit(application=ready(world), actor=world["applicant"])
    second = services.start_application(
        call=world["call"], organization=world["org"], actor=world["applicant"]
    )
    world["application"] = second
    assert "organization" in problems(world)


def test_withdrawn_application_frees_the_limit_and_keeps_its_reference(world):
    app = ready(world)
    services.submit(application=app, actor=world["applicant"])
    services.withdraw(application=app, actor=world["applicant"])
    assert app.status is ApplicationStatus.WITHDRAWN and app.reference
    with pytest.raises(DomainError):
        services.withdraw(application=app, actor=world["applicant"])


def test_return_resubmit_and_versions(world):
    app = ready(world)
    services.submit(application=app, actor=world["applicant"])
    with pytest.raises(DomainError):
        services.screen(
            application=app, decision=ApplicationStatus.RETURNED, reason=" ", actor=world["admin"]
        )
    services.screen(
        application=app,
        decision=ApplicationStatus.RETURNED,
        reason="预算需细化",
        actor=world["admin"],
    )
    assert app.screening_reason == "预算需细化"
    ready(world, title="长者智能手机课堂（修订）")
    services.submit(
        application=app, actor=world["applicant"], at=world["call"].closes_at + timedelta(days=1)
    )  # resubmission after close
    assert [v.number for v in app.versions] == [1, 2]
    assert app.reference == "NC-2026-MCT-001"
    assert app.versions[1].snapshot["title"].endswith("（修订）")
    services.screen(
        application=app, decision=ApplicationStatus.ELIGIBLE, reason="", actor=world["admin"]
    )
    assert app.status is ApplicationStatus.ELIGIBLE


def test_submitted_applications_cannot_be_edited(world):
    app = ready(world)
    services.submit(application=app, actor=world["applicant"])
    with pytest.raises(DomainError):
        services.save_draft(
            application=app,
            content=replace(complete_content(world["call"])),
            actor=world["applicant"],
        )


def test_references_are_sequential_in_a_call(world, make):
    first = ready(world)
    services.submit(application=first, actor=world["applicant"])
    other_owner = make.user()
    other = make.organization(street=world["street"], owner=other_owner)
    second = services.start_application(call=world["call"], organization=other, actor=other_owner)
    world["application"] = second
    world["applicant"] = other_owner
    services.submit(application=ready(world), actor=other_owner)
    assert second.reference == "NC-2026-MCT-002"


def test_call_not_open_at_all(world):
    world["call"].closes_at = utcnow() - timedelta(hours=1)
    assert "call" in problems(world)
