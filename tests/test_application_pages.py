"""The applicant's pages through HTTP: start, save with rows, refused and accepted submission,
attachments, access, withdraw, print, and the list's fixed number of queries."""

import io
import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.applications import rules, services
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import AttachmentKind
from microventure.core.timeutil import utcnow
from microventure.extensions import db
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
    return {"street": street, "admin": admin, "applicant": applicant, "org": org, "call": call}


def full_form(world, **overrides) -> dict:
    """What a applicant types into every section, as the browser posts it."""
    community = world["street"].communities[0]
    data = {
        "title": "长者智能手机课堂",
        "domain": "smart_elderly_care",
        "community_ids": [str(community.id)],
        "beneficiary_groups": "60岁以上长者",
        "direct_beneficiaries": "200",
        "indirect_beneficiaries": "800",
        "summary": "教长者使用智能手机",
        "need_analysis": "社区长者数字鸿沟明显",
        "objectives": "让200名长者学会线上挂号",
        "risks": "报名不足",
        "sustainability": "培养长者志愿者",
        "activities-0-name": "智能手机课堂",
        "activities-0-month": "2027-01",
        "activities-0-sessions": "10",
        "activities-0-participants": "200",
        "indicators-0-name": "学会线上挂号的长者",
        "indicators-0-target": "150",
        "indicators-0-unit": "人",
        "team-0-name": "陈社工",
        "team-0-role": "项目负责人",
        "team-0-qualification": "中级社工师",
        "budget_lines-0-category": "activities",
        "budget_lines-0-item": "课堂物料",
        "budget_lines-0-unit_price": "1000",
        "budget_lines-0-quantity": "20",
        "budget_lines-0-source": "grant",
        "budget_lines-1-category": "personnel",
        "budget_lines-1-item": "讲师费",
        "budget_lines-1-unit_price": "500.00",
        "budget_lines-1-quantity": "10",
        "budget_lines-1-source": "grant",
        # a gap in the indices, as rows.js leaves after a row is removed
        "budget_lines-5-category": "venue",
        "budget_lines-5-item": "场地（自有）",
        "budget_lines-5-unit_price": "2,000",
        "budget_lines-5-quantity": "10",
        "budget_lines-5-source": "in_kind",
        "action": "save",
    }
    return data | overrides


def start(client, world) -> Application:
    response = client.post(f"/calls/{world['call'].id}/apply")
    assert response.status_code == 302
    match = re.fullmatch(r"/applications/(\d+)/edit", response.location)
    assert match, response.location
    return db.session.get(Application, int(match[1]))


def expected_problems(app, application) -> list[str]:
    """The service's messages, in the language the page was shown in, as HTML shows them."""
    db.session.refresh(application)
    with app.test_request_context():
        found = rules.submission_problems(application, at=utcnow())
        return [str(escape(str(message))) for _field, message in found]


def marked_invalid(page: str, field_id: str) -> bool:
    pattern = rf'<(?:input|select|textarea)\b[^>]*\bis-invalid\b[^>]*\bid="{re.escape(field_id)}"'
    return re.search(pattern, page) is not None


def upload_data(name="项目计划书.pdf", data=PDF, kind=AttachmentKind.PROJECT_PLAN.value):
    return {"kind": kind, "file": (io.BytesIO(data), name)}


def test_the_applicant_starts_saves_is_refused_fixes_uploads_and_submits(
    app, client, world, login_as
):
    login_as(world["applicant"])
    application = start(client, world)
    assert application.status is ApplicationStatus.DRAFT
    # applying again leads to the same draft, not a second one
    again = client.post(f"/calls/{world['call'].id}/apply")
    assert again.location == f"/applications/{application.id}/edit"

    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "¥10,000.00" in page and "¥50,000.00" in page  # the call's grant range beside the form
    assert 'name="activities-__index__-name"' in page  # the row template for rows.js

    # A first draft: the title, one activity, one grant line far below the call's range.
    partial = {
        "title": "长者智能手机课堂",
        "activities-0-name": "智能手机课堂",
        "activities-0-month": "2027-1",
        "activities-0-sessions": "10",
        "activities-0-participants": "200",
        "activities-1-name": "",  # an empty row is dropped, not refused
        "activities-1-month": "",
        "budget_lines-0-category": "activities",
        "budget_lines-0-item": "课堂物料",
        "budget_lines-0-unit_price": "5000",
        "budget_lines-0-quantity": "1",
        "budget_lines-0-source": "grant",
    }
    response = client.post(
        f"/applications/{application.id}/edit", data=partial | {"action": "save"}
    )
    assert response.status_code == 302
    assert response.location == f"/applications/{application.id}/edit"
    db.session.refresh(application)
    assert [(a.name, a.month) for a in application.activities] == [("智能手机课堂", "2027-01")]
    assert application.requested_amount == 5_000_00
    assert application.requested_grant == 5_000_00  # kept for the results figures

    # Submitting refuses with every problem on the page, and keeps what was typed.
    response = client.post(
        f"/applications/{application.id}/edit", data=partial | {"action": "submit"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    problems = expected_problems(app, application)
    assert len(problems) >= 10
    for message in problems:
        assert message in page, message
    assert 'value="长者智能手机课堂"' in page
    assert 'value="智能手机课堂"' in page and 'value="2027-01"' in page
    assert marked_invalid(page, "summary")  # next to its field
    assert application.status is ApplicationStatus.DRAFT

    # Fixed: the whole form saved together with the project plan in one post (the upload button).
    response = client.post(
        f"/applications/{application.id}/attachments",
        data=full_form(world) | upload_data(),
    )
    assert response.status_code == 302
    assert response.location == f"/applications/{application.id}/edit#attachments"
    db.session.refresh(application)
    assert application.title == "长者智能手机课堂"
    assert len(application.budget_lines) == 3
    assert (application.requested_amount, application.total_budget) == (25_000_00, 45_000_00)
    assert application.requested_grant == 25_000_00
    (plan,) = application.current_attachments
    assert plan.original_name == "项目计划书.pdf" and plan.kind is AttachmentKind.PROJECT_PLAN

    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "项目计划书.pdf" in page
    assert "¥25,000.00" in page and "¥45,000.00" in page and "55.6%" in page  # server totals

    response = client.post(
        f"/applications/{application.id}/edit", data=full_form(world, action="submit")
    )
    assert response.status_code == 302
    assert response.location == f"/applications/{application.id}"
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.reference == "NC-2026-MCT-001"
    page = client.get(response.location).get_data(as_text=True)
    assert "NC-2026-MCT-001" in page and "项目计划书.pdf" in page
    assert f"/applications/{application.id}/versions/1" in page

    # Submitted: the edit page leads to the read-only page, and changes are refused.
    response = client.get(f"/applications/{application.id}/edit")
    assert response.status_code == 302 and response.location == f"/applications/{application.id}"
    response = client.post(f"/applications/{application.id}/attachments", data=upload_data())
    assert response.status_code == 302
    assert len(application.current_attachments) == 1


def test_an_upload_that_is_not_what_it_claims_is_refused_and_the_typed_text_is_kept(
    client, world, login_as
):
    login_as(world["applicant"])
    application = start(client, world)
    response = client.post(
        f"/applications/{application.id}/attachments",
        data=full_form(world, title="改过的标题")
        | upload_data("伪装.pdf", b"MZ\x90\x00 not a pdf"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "伪装.pdf" in page
    assert marked_invalid(page, "file")
    assert 'value="改过的标题"' in page
    db.session.refresh(application)
    assert application.title == "改过的标题"  # saved before the file was looked at
    assert application.current_attachments == []


def test_an_upload_alone_does_not_touch_the_draft_and_a_file_can_be_removed(
    client, world, login_as
):
    application = services.start_application(
        call=world["call"], organization=world["org"], actor=world["applicant"]
    )
    services.save_draft(
        application=application, content=complete_content(world["call"]), actor=world["applicant"]
    )
    login_as(world["applicant"])
    response = client.post(f"/applications/{application.id}/attachments", data=upload_data())
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.title == "长者智能手机课堂" and len(application.budget_lines) == 3
    (attachment,) = application.current_attachments

    response = client.post(
        f"/applications/{application.id}/attachments/{attachment.id}/remove",
        data=full_form(world, title="新标题"),
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.current_attachments == [] and application.title == "新标题"
    # the file stays available to those who may see the application
    assert client.get(f"/attachments/{attachment.id}").status_code == 200


def _storage():
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(PDF), filename="项目计划书.pdf")


def submitted(world):
    application = services.start_application(
        call=world["call"], organization=world["org"], actor=world["applicant"]
    )
    services.save_draft(
        application=application, content=complete_content(world["call"]), actor=world["applicant"]
    )
    services.add_attachment(
        application=application,
        kind=AttachmentKind.PROJECT_PLAN,
        upload=_storage(),
        actor=world["applicant"],
    )
    services.submit(application=application, actor=world["applicant"])
    return application


def test_other_organisations_see_nothing(client, world, login_as, make):
    application = submitted(world)
    (attachment,) = application.current_attachments
    stranger = make.user()
    make.organization(street=world["street"], owner=stranger)
    other_admin = make.user(role=Role.STREET_ADMIN, street=make.street())

    for user in (stranger, other_admin):
        login_as(user)
        for path in (
            f"/applications/{application.id}",
            f"/applications/{application.id}/edit",
            f"/applications/{application.id}/print",
            f"/attachments/{attachment.id}",
        ):
            assert client.get(path).status_code == 404, (user, path)
        assert client.post(f"/applications/{application.id}/withdraw").status_code == 404
        assert client.post(f"/applications/{application.id}/edit", data={}).status_code == 404
        client.post("/auth/logout")
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED

    # the call's street admin may look, and download, but not edit
    login_as(world["admin"])
    assert client.get(f"/applications/{application.id}").status_code == 200
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert client.get(f"/applications/{application.id}/edit").status_code == 302


def test_withdraw(client, world, login_as):
    application = submitted(world)
    login_as(world["applicant"])
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert f"/applications/{application.id}/withdraw" in page
    response = client.post(f"/applications/{application.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN
    # a second time is refused by the service and nothing changes
    assert client.post(f"/applications/{application.id}/withdraw").status_code == 302
    assert application.status is ApplicationStatus.WITHDRAWN


def test_the_print_page_shows_the_submitted_snapshot_with_totals(client, world, login_as):
    application = submitted(world)
    login_as(world["applicant"])
    response = client.get(f"/applications/{application.id}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "NC-2026-MCT-001" in page
    for amount in ("¥25,000.00", "¥20,000.00", "¥45,000.00", "¥1,000.00"):
        assert amount in page
    assert "项目计划书.pdf" in page and "智能手机课堂" in page and "陈社工" in page
    assert "print.js" in page and "<script>" not in page  # no inline script
    assert 'data-testid="role-nav"' not in page  # no navigation on paper


def test_returned_application_shows_the_reason_on_its_edit_page(client, world, login_as):
    application = submitted(world)
    services.screen(
        application=application,
        decision=ApplicationStatus.RETURNED,
        reason="预算需细化到每次活动",
        actor=world["admin"],
    )
    login_as(world["applicant"])
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "预算需细化到每次活动" in page
    assert "NC-2026-MCT-001" in page


def test_starting_needs_a_member_and_asks_which_organisation(client, world, login_as, make):
    second = make.organization(street=world["street"], owner=world["applicant"])
    login_as(world["applicant"])
    response = client.post(f"/calls/{world['call'].id}/apply")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert world["org"].name in page and second.name in page
    response = client.post(
        f"/calls/{world['call'].id}/apply", data={"organization_id": str(second.id)}
    )
    assert response.status_code == 302
    created = db.session.scalar(select(Application).where(Application.organization_id == second.id))
    assert response.location == f"/applications/{created.id}/edit"

    stranger_org = make.organization(street=world["street"], owner=make.user())
    response = client.post(
        f"/calls/{world['call'].id}/apply", data={"organization_id": str(stranger_org.id)}
    )
    assert response.status_code == 404
    client.post("/auth/logout")
    login_as(world["admin"])  # an admin is not an applicant
    assert client.post(f"/calls/{world['call'].id}/apply").status_code == 403


def test_the_list_costs_the_same_number_of_queries_for_2_and_10_applications(
    client, world, login_as, make, count_queries
):
    def make_applications(n):
        for _ in range(n):
            application = services.start_application(
                call=world["call"], organization=world["org"], actor=world["applicant"]
            )
            services.save_draft(
                application=application,
                content=complete_content(world["call"]),
                actor=world["applicant"],
            )

    login_as(world["applicant"])
    make_applications(2)
    with count_queries() as two:
        page = client.get("/applications").get_data(as_text=True)
    assert page.count("data-application=") == 2
    assert "¥25,000.00" in page
    make_applications(8)
    with count_queries() as ten:
        page = client.get("/applications").get_data(as_text=True)
    assert page.count("data-application=") == 10
    assert two.count == ten.count, ten.statements
    assert ten.count <= 6

    # another organisation's applications are not listed
    other = make.user()
    login_as(other)
    assert "data-application=" not in client.get("/applications").get_data(as_text=True)


def test_a_closed_call_takes_no_new_application(client, world, login_as):
    world["call"].closes_at = utcnow() - timedelta(hours=1)
    login_as(world["applicant"])
    response = client.post(f"/calls/{world['call'].id}/apply")
    assert response.status_code == 302
    assert response.location == f"/calls/{world['call'].id}"
    assert db.session.scalar(select(Application.id)) is None
