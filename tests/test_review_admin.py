"""Review admin pages: the reviewer pool and its Excel import, assignment by hand and
automatically, reassigning after a declared conflict, progress, reopening, reminders, access."""

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from microventure.accounts.models import Role, User
from microventure.applications import services as applications
from microventure.applications.models import ApplicationStatus
from microventure.calls.models import Domain
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.notifications.models import Notification
from microventure.reviews import services
from microventure.reviews.models import (
    Assignment,
    AssignmentStatus,
    Recommendation,
    ReviewerProfile,
)
from tests.conftest import login
from tests.helpers_calls import complete_content
from tests.helpers_reviews import add_reviewer, due, eligible_round

A = AssignmentStatus


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def assignments_of(call) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment).where(Assignment.call_id == call.id).order_by(Assignment.id)
        )
    )


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def add_applications(make, world, n: int) -> None:
    """``n`` more eligible applications in the world's call, each from a new organisation."""
    call, admin = world["call"], world["admin"]
    for _ in range(n):
        owner = make.user()
        org = make.organization(street=world["street"], owner=owner)
        application = applications.start_application(call=call, organization=org, actor=owner)
        applications.save_draft(
            application=application, content=complete_content(call), actor=owner
        )
        applications.submit(application=application, actor=owner)
        applications.screen(
            application=application,
            decision=ApplicationStatus.ELIGIBLE,
            reason="",
            actor=admin,
        )
        world["applications"].append(application)


def submit_review(assignment: Assignment) -> None:
    reviewer = assignment.reviewer
    services.sign_declaration(assignment=assignment, actor=reviewer)
    services.save_review(
        assignment=assignment,
        points={c.id: str(c.max_points) for c in assignment.application.call.criteria},
        comment="好",
        recommendation=Recommendation.FUND,
        suggested_amount=None,
        submit=True,
        actor=reviewer,
    )


@pytest.fixture
def district_admin(make):
    return make.user(role=Role.DISTRICT_ADMIN, name="区管理员")


# ----------------------------------------------------------------------------------- the pool


def test_district_admin_adds_a_reviewer_through_the_page(client, login_as, make, district_admin):
    org = make.organization(street=make.street())
    login_as(district_admin)
    form = {
        "name": "周教授",
        "email": "Zhou@Uni.test",
        "mobile": "13900139000",
        "expertise": ["smart_elderly_care", "mental_health"],
        "affiliation": "某大学社会工作系",
        "organization_id": str(org.id),
        "street_id": "",
        "password": "short",
    }
    refused = client.post("/admin/reviewers/new", data=form)
    assert refused.status_code == 200  # a new account needs a proper password
    page = refused.get_data(as_text=True)
    assert 'value="周教授"' in page and 'value="某大学社会工作系"' in page  # kept as typed
    assert db.session.scalar(select(User).where(User.email == "zhou@uni.test")) is None

    response = client.post("/admin/reviewers/new", data=form | {"password": "long-enough-1"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "zhou@uni.test"))
    assert user is not None and user.has_role(Role.REVIEWER) and user.mobile == "13900139000"
    profile = db.session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))
    assert profile.expertise == ["smart_elderly_care", "mental_health"]
    assert profile.organization_id == org.id
    assert response.headers["Location"].endswith(f"/admin/reviewers/{profile.id}")

    page = client.get("/admin/reviewers", query_string={"q": "zhou@"}).get_data(as_text=True)
    assert 'data-reviewer="zhou@uni.test"' in page
    assert client.get(f"/admin/reviewers/{profile.id}").status_code == 200


def test_edit_keeps_what_was_typed_and_records_a_conflict(client, login_as, make, district_admin):
    street = make.street()
    reviewer = add_reviewer(make, district_admin)
    profile = db.session.scalar(
        select(ReviewerProfile).where(ReviewerProfile.user_id == reviewer.id)
    )
    org = make.organization(street=street)
    login_as(district_admin)
    data = {
        "name": "新名字",
        "mobile": "123",
        "expertise": ["party_building"],
        "affiliation": "党校",
        "organization_id": "",
        "street_id": str(street.id),
        "active": "y",
    }
    refused = client.post(f"/admin/reviewers/{profile.id}", data=data)
    assert refused.status_code == 200 and 'value="党校"' in refused.get_data(as_text=True)
    response = client.post(f"/admin/reviewers/{profile.id}", data=data | {"mobile": ""})
    assert response.status_code == 302
    db.session.refresh(profile)
    assert profile.expertise == ["party_building"] and profile.street_id == street.id
    assert reviewer.name == "新名字"

    no_reason = client.post(
        f"/admin/reviewers/{profile.id}/conflicts",
        data={"organization_id": str(org.id), "reason": ""},
    )
    assert no_reason.status_code == 200
    client.post(
        f"/admin/reviewers/{profile.id}/conflicts",
        data={"organization_id": str(org.id), "reason": "曾任理事"},
    )
    page = client.get(f"/admin/reviewers/{profile.id}").get_data(as_text=True)
    assert "曾任理事" in page and org.name in page


# ------------------------------------------------------------------------------- Excel import


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "reviewers.xlsx"):
    return client.post(
        "/admin/reviewers/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_excel_import_reports_each_row_and_keeps_the_good_ones(
    app, client, login_as, make, district_admin
):
    in_pool = add_reviewer(make, district_admin)
    data = workbook(
        [
            ["评审专家名单"],  # a title row above the header
            ["姓名", "邮箱", "手机", "专长领域", "所属单位", "镇街", "初始密码"],
            ["王老师", "Wang@Uni.test", 13800138001, "智慧养老、Mental health", "高校", "", ""],
            ["李老师", "not-an-email", "", "党建", "", "", ""],
            ["张老师", in_pool.email, "", "party_building", "", "", ""],
        ]
    )
    login_as(district_admin)
    page = upload(client, data).get_data(as_text=True)
    statuses = dict(re.findall(r'<tr data-row="(\d+)" data-status="(\w+)"', page))
    assert statuses == {"3": "added", "4": "error", "5": "exists"}
    bad_row = page.split('data-row="4"')[1].split("</tr>")[0]
    assert "not-an-email" in bad_row and "<li>" in bad_row  # the message is on the row

    wang = db.session.scalar(select(User).where(User.email == "wang@uni.test"))
    assert wang.has_role(Role.REVIEWER) and wang.mobile == "13800138001"
    profile = db.session.scalar(select(ReviewerProfile).where(ReviewerProfile.user_id == wang.id))
    assert profile.expertise == [Domain.SMART_ELDERLY_CARE.value, Domain.MENTAL_HEALTH.value]
    assert db.session.scalar(select(User).where(User.email == "not-an-email")) is None

    # the generated password is shown once, and it works
    password = re.search(r'<code class="user-select-all">([^<]+)</code>', page).group(1)
    login(app.test_client(), "wang@uni.test", password)


def test_import_refuses_a_file_that_is_not_an_xlsx(client, login_as, district_admin):
    login_as(district_admin)
    before = db.session.scalar(select(func.count()).select_from(User))
    for data in (b"%PDF-1.4\n%%EOF\n", "姓名,邮箱\n王,wang@uni.test\n".encode()):
        response = upload(client, data)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "is-invalid" in page and 'data-testid="import-report"' not in page
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_import_template_has_the_header_the_import_reads(client, login_as, district_admin):
    login_as(district_admin)
    response = client.get("/admin/reviewers/import/template.xlsx?lang=en")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Name", "E-mail"]
    sheet.append(["Ms Chen", "chen@uni.test", "", "Party building, mental_health"])
    out = io.BytesIO()
    sheet.parent.save(out)
    page = upload(client, out.getvalue()).get_data(as_text=True)
    assert re.findall(r'data-row="(\d+)" data-status="(\w+)"', page) == [("2", "added")]


# --------------------------------------------------------------------------------- assignment


def test_auto_preview_writes_nothing_and_apply_balances_without_conflicts(client, login_as, make):
    world = eligible_round(make, applications_count=5, reviewers=5)
    call, apps = world["call"], world["applications"]
    insider = add_reviewer(make, world["admin"], organization=apps[0].organization)
    login_as(world["admin"])
    before = audit_count()
    page = client.get(f"/admin/calls/{call.id}/assignments/auto").get_data(as_text=True)
    assert assignments_of(call) == [] and audit_count() == before
    assert len(re.findall(r'data-proposed="\d+"', page)) == 5 * 3
    digest = re.search(r'name="plan" type="hidden" value="(\w+)"', page).group(1)

    stale = client.post(
        f"/admin/calls/{call.id}/assignments/auto",
        data={"due_on": due().isoformat(), "plan": "0" * 32},
    )
    assert stale.status_code == 302 and assignments_of(call) == []

    response = client.post(
        f"/admin/calls/{call.id}/assignments/auto",
        data={"due_on": due().isoformat(), "plan": digest},
    )
    assert response.status_code == 302
    made = assignments_of(call)
    per_application = Counter(a.application_id for a in made)
    assert per_application == {a.id: call.reviewers_per_application for a in apps}
    loads = Counter(a.reviewer_id for a in made)
    pool_ids = [u.id for u in world["pool"]] + [insider.id]
    assert max(loads[i] for i in pool_ids) - min(loads[i] for i in pool_ids) <= 1
    assert not any(a.reviewer_id == insider.id and a.application_id == apps[0].id for a in made)
    assert {a.due_on for a in made} == {due()}


def test_assigning_a_conflicted_reviewer_by_hand_is_refused(client, login_as, make):
    world = eligible_round(make, applications_count=2, reviewers=2)
    call, (first, second) = world["call"], world["applications"]
    insider = add_reviewer(make, world["admin"], organization=first.organization)
    login_as(world["admin"])
    page = client.get(f"/admin/calls/{call.id}/assignments").get_data(as_text=True)
    first_card = page.split(f'id="application-{first.id}"')[1].split("</section>")[0]
    second_card = page.split(f'id="application-{second.id}"')[1].split("</section>")[0]
    assert f'value="{insider.id}"' not in first_card  # never offered
    assert f'value="{insider.id}"' in second_card

    refused = client.post(
        f"/admin/calls/{call.id}/assignments",
        data={
            "reviewer_id": insider.id,
            "application_ids": [first.id],
            "due_on": due().isoformat(),
            "origin": "application",
        },
    )
    assert refused.status_code == 200
    assert 'data-testid="form-problems"' in refused.get_data(as_text=True)
    assert insider.name in refused.get_data(as_text=True)
    assert assignments_of(call) == []

    past = client.post(
        f"/admin/calls/{call.id}/assignments",
        data={
            "reviewer_id": insider.id,
            "application_ids": [second.id],
            "due_on": (local_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert past.status_code == 200 and assignments_of(call) == []

    # by reviewer: several at once, all or nothing
    helper = world["pool"][0]
    both = {"reviewer_id": helper.id, "due_on": due().isoformat(), "origin": "reviewer"}
    response = client.post(
        f"/admin/calls/{call.id}/assignments",
        data=both | {"application_ids": [first.id, second.id]},
    )
    assert response.status_code == 302
    assert {(a.reviewer_id, a.application_id) for a in assignments_of(call)} == {
        (helper.id, first.id),
        (helper.id, second.id),
    }


def test_several_applications_are_ticked_for_one_reviewer_in_a_checkbox_list(
    client, login_as, make
):
    """On a phone a <select multiple> needs Ctrl: the applications are a list of checkboxes."""
    world = eligible_round(make, applications_count=2, reviewers=1)
    call, (first, second) = world["call"], world["applications"]
    insider = add_reviewer(make, world["admin"], organization=first.organization)
    login_as(world["admin"])
    url = f"/admin/calls/{call.id}/assignments"

    def several_form(page: str) -> str:
        return page.split('id="give-several"')[1].split("</form>")[0]

    page = client.get(url).get_data(as_text=True)
    several = several_form(page)
    assert "multiple" not in several and "Ctrl" not in page and "按住" not in page
    assert '<ul class="check-list" id="application_ids">' in several
    boxes = re.findall(
        r'<input class="form-check-input" id="(application_ids-\d+)" '
        r'name="application_ids" type="checkbox" value="(\d+)">',
        several,
    )
    assert [value for _id, value in boxes] == [str(first.id), str(second.id)]
    for box_id, _value in boxes:
        assert (
            f'<label for="{box_id}">{first.reference if box_id.endswith("0") else second.reference}'
            in several
        )

    both = {
        "due_on": due().isoformat(),
        "origin": "reviewer",
        "application_ids": [first.id, second.id],
    }
    # refused (the insider works for the first applicant): none is given, both stay ticked
    response = client.post(url, data=both | {"reviewer_id": insider.id})
    assert response.status_code == 200
    several = several_form(response.get_data(as_text=True))
    assert (
        len(re.findall(r'<input checked [^>]*name="application_ids" type="checkbox"', several)) == 2
    )
    assert assignments_of(call) == []

    nothing = client.post(url, data=both | {"reviewer_id": insider.id, "application_ids": []})
    assert nothing.status_code == 200
    assert "请至少选择一份申报" in several_form(nothing.get_data(as_text=True))

    helper = world["pool"][0]
    response = client.post(url, data=both | {"reviewer_id": helper.id})
    assert response.status_code == 302
    assert {a.application_id for a in assignments_of(call)} == {first.id, second.id}


def test_reassign_after_a_declared_conflict_gives_a_new_reviewer(client, login_as, make):
    world = eligible_round(make, applications_count=1, reviewers=4)
    call, admin = world["call"], world["admin"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
    released = assignments_of(call)[0]
    services.declare_conflict(assignment=released, reason="曾为该机构督导", actor=released.reviewer)
    login_as(admin)
    page = client.get(f"/admin/calls/{call.id}/assignments").get_data(as_text=True)
    assert "曾为该机构督导" in page
    response = client.post(f"/admin/assignments/{released.id}/reassign")
    assert response.status_code == 302
    made = assignments_of(call)
    assert len(made) == 4
    replacement = made[-1]
    assert replacement.application_id == released.application_id
    assert replacement.reviewer_id not in {a.reviewer_id for a in made[:-1]}
    assert replacement.status is A.ASSIGNED
    assert sum(a.status is not A.DECLINED for a in made) == call.reviewers_per_application
    client.post(f"/admin/assignments/{released.id}/reassign")  # a second click adds nobody
    assert len(assignments_of(call)) == 4


# ----------------------------------------------------------------------------------- progress


def test_progress_counts_overdue_and_reopen_needs_a_reason(client, login_as, make):
    world = eligible_round(make, applications_count=2, reviewers=3)
    call, admin = world["call"], world["admin"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
    made = assignments_of(call)
    late = made[0]
    late.due_on = local_today() - timedelta(days=2)
    done = next(a for a in made if a.reviewer_id != late.reviewer_id)
    submit_review(done)
    db.session.flush()
    login_as(admin)

    page = client.get(f"/admin/calls/{call.id}/review-progress").get_data(as_text=True)
    assert re.search(r'data-total="overdue">1<', page)
    late_row = page.split(f'data-reviewer="{late.reviewer_id}"')[1].split("</tr>")[0]
    assert '<span class="badge text-bg-danger">1</span>' in late_row
    assert re.search(r'data-total="submitted">1<', page)

    refused = client.post(f"/admin/assignments/{done.id}/reopen", data={"reason": "  "})
    assert refused.status_code == 200 and done.status is A.SUBMITTED
    assert 'data-testid="form-problems"' in refused.get_data(as_text=True)
    response = client.post(f"/admin/assignments/{done.id}/reopen", data={"reason": "评分笔误"})
    assert response.status_code == 302
    db.session.refresh(done)
    assert done.status is A.ACCEPTED
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "review.reopened")
        .order_by(AuditEvent.id.desc())
    )
    assert event.note == "评分笔误" and event.actor_id == admin.id


def test_remind_is_recorded_on_the_call_and_sent(client, login_as, make):
    world = eligible_round(make, applications_count=1, reviewers=3)
    call, admin = world["call"], world["admin"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
    reviewer_id = assignments_of(call)[0].reviewer_id
    login_as(admin)
    response = client.post(f"/admin/calls/{call.id}/reviewers/{reviewer_id}/remind")
    assert response.status_code == 302
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "review.reminder_requested")
    )
    assert (event.object_type, event.object_id) == ("calls", call.id)
    assert event.after["reviewer_id"] == reviewer_id and event.after["outstanding"] == 1
    sent = db.session.scalar(select(Notification).where(Notification.kind == "review.reminder"))
    assert sent.recipient_id == reviewer_id
    assert [category for category, _m in flashes(client)] == ["info"]
    outsider = make.user(role=Role.REVIEWER)
    assert client.post(f"/admin/calls/{call.id}/reviewers/{outsider.id}/remind").status_code == 404


# ------------------------------------------------------------------------------------- access


def test_street_admin_of_another_street_gets_404_on_the_calls_pages(client, login_as, make):
    world = eligible_round(make, applications_count=1, reviewers=3)
    call, admin = world["call"], world["admin"]
    services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
    assignment = assignments_of(call)[0]
    other = make.user(role=Role.STREET_ADMIN, street=make.street())
    login_as(other)
    for url in (
        f"/admin/calls/{call.id}/assignments",
        f"/admin/calls/{call.id}/assignments/auto",
        f"/admin/calls/{call.id}/review-progress",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/admin/calls/{call.id}/assignments",
        f"/admin/calls/{call.id}/assignments/auto",
        f"/admin/assignments/{assignment.id}/reassign",
        f"/admin/assignments/{assignment.id}/reopen",
        f"/admin/calls/{call.id}/reviewers/{assignment.reviewer_id}/remind",
    ):
        assert client.post(url, data={"reason": "x"}).status_code == 404, url
    assert client.get("/admin/reviewers").status_code == 403  # the pool is the district's


def test_reviewers_and_applicants_cannot_see_the_pool(client, login_as, make, district_admin):
    world = eligible_round(make, applications_count=1, reviewers=1)
    applicant = world["applications"][0].organization.members[0].user
    for user in (world["pool"][0], applicant):
        login_as(user)
        for url in (
            "/admin/reviewers",
            "/admin/reviewers/new",
            "/admin/reviewers/import",
            "/admin/reviewers/import/template.xlsx",
            f"/admin/calls/{world['call'].id}/assignments",
        ):
            assert client.get(url).status_code in (403, 404), (user, url)
        client.post("/auth/logout")
    assert client.get("/admin/reviewers").status_code == 302  # to the login page


# ------------------------------------------------------------------------------- query counts


def test_assignment_and_progress_pages_make_a_fixed_number_of_queries(
    client, login_as, make, count_queries
):
    world = eligible_round(make, applications_count=2, reviewers=4)
    call, admin = world["call"], world["admin"]
    add_reviewer(make, admin, organization=world["applications"][0].organization)

    def populate() -> None:
        services.apply_plan(call=call, planned=services.plan(call), due_on=due(), actor=admin)
        made = [a for a in assignments_of(call) if a.status is A.ASSIGNED]
        submit_review(made[0])
        services.declare_conflict(assignment=made[1], reason="亲属", actor=made[1].reviewer)
        made[2].due_on = local_today() - timedelta(days=1)
        db.session.flush()

    populate()
    login_as(admin)
    urls = [
        f"/admin/calls/{call.id}/assignments",
        f"/admin/calls/{call.id}/review-progress",
        f"/admin/calls/{call.id}/assignments/auto",
    ]
    for url in urls:
        client.get(url)  # warm up

    def measured() -> list[int]:
        counts = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    few = measured()
    add_applications(make, world, 6)
    populate()
    many = measured()
    assert few == many
    assert max(many) <= 15
    page = client.get(f"/admin/calls/{call.id}/assignments").get_data(as_text=True)
    assert len(re.findall(r'<section class="card mb-3" id="application-', page)) == 8
