"""The admin list of projects (filters, street scope, what is due, pages) and the query counts
of the project pages, which stay the same whatever the number of projects and events."""

import re

import pytest
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects import services as projects
from microventure.projects.activities import services as activities
from microventure.projects.models import Report, ReportKind
from microventure.projects.reports import services as reports
from tests.test_activities_support import values
from tests.test_projects_support import funded_round, join, owner_of, pay, sign


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def agreements(client, **args) -> list[str]:
    response = client.get("/admin/projects", query_string=args)
    assert response.status_code == 200
    return re.findall(r'<tr data-agreement="([^"]+)"', response.get_data(as_text=True))


def test_filters_by_call_status_search_and_due(client, login_as, make, monkeypatch):
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    first, second, third = r["projects"]
    admin = r["admin"]
    sign(first, admin)  # first tranche due: ¥12,500
    sign(second, admin)
    pay(second.tranches[0], admin)
    login_as(admin)
    assert agreements(client) == [p.agreement_number for p in r["projects"]]
    assert agreements(client, status="active") == [first.agreement_number, second.agreement_number]
    assert agreements(client, status="signing") == [third.agreement_number]
    assert agreements(client, status="bogus") == agreements(client)
    assert agreements(client, due="1") == [first.agreement_number]
    assert agreements(client, q=second.agreement_number[-6:]) == [second.agreement_number]
    assert agreements(client, q=third.organization.name) == [third.agreement_number]
    assert agreements(client, call=r["call"].id) == agreements(client)
    assert agreements(client, call=999999) == []

    page = client.get("/admin/projects").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-agreement="([^"]+)">(.*?)</tr>', page, re.S))
    row = rows[first.agreement_number]
    assert re.search(r'data-testid="due">¥12,500\.00<', row)
    assert first.organization.name in row
    assert r["street"].name in row or r["street"].name_en in row
    assert "¥10,000.00" in rows[second.agreement_number]  # paid: half of ¥20,000
    due_chip = re.search(r'data-testid="due-filter".*?</a>', page, re.S).group(0)
    assert ">1<" in due_chip and "¥12,500.00" in due_chip


def test_street_admins_see_their_streets_projects_only(client, login_as, make, monkeypatch):
    home = funded_round(make, monkeypatch, amounts=(25_000_00,))
    away = funded_round(make, monkeypatch, amounts=(20_000_00,), code="AW-2026-MCT")
    login_as(home["admin"])
    assert agreements(client) == [home["projects"][0].agreement_number]
    assert (
        client.get("/admin/projects").get_data(as_text=True).count(away["call"].code) == 0
    )  # nor its call among the filters
    login_as(make.user(role=Role.DISTRICT_ADMIN))
    assert set(agreements(client)) == {
        home["projects"][0].agreement_number,
        away["projects"][0].agreement_number,
    }


def test_pages_of_the_list(app, client, login_as, make, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    login_as(r["admin"])
    numbers = [p.agreement_number for p in r["projects"]]
    assert agreements(client) == numbers[:2]
    assert agreements(client, page=2) == numbers[2:]
    assert "page=2" in client.get("/admin/projects").get_data(as_text=True)


def test_reviewers_and_applicants_cannot_open_the_admin_list(client, login_as, make):
    login_as(make.user(role=Role.REVIEWER))
    assert client.get("/admin/projects").status_code == 403


# ------------------------------------------------------------------------------ query counts


def _measure(client, count_queries, url) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_the_admin_list_costs_the_same_for_3_and_12_projects(
    client, login_as, make, monkeypatch, count_queries
):
    district = make.user(role=Role.DISTRICT_ADMIN)
    small = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    sign(small["projects"][0], small["admin"])
    login_as(district)
    client.get("/admin/projects")  # warm up
    few = _measure(client, count_queries, "/admin/projects")
    assert len(agreements(client)) == 3
    more = funded_round(make, monkeypatch, amounts=(20_000_00,) * 9, code="MORE-2026")
    for project in more["projects"][:4]:
        sign(project, more["admin"])
        pay(project.tranches[0], more["admin"])
    many = _measure(client, count_queries, "/admin/projects")
    assert len(agreements(client)) == 12
    assert few == many == 8  # user, roles, rows, count, due sum, calls, memberships, inbox
    assert _measure(client, count_queries, "/admin/projects?due=1&q=X") == many


def test_my_projects_cost_the_same_for_1_and_3_projects(
    client, login_as, make, monkeypatch, count_queries
):
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    member = owner_of(r["projects"][0])
    login_as(member)
    client.get("/projects")
    few = _measure(client, count_queries, "/projects")
    for project in r["projects"][1:]:
        join(member, project.organization)
        sign(project, r["admin"])
        pay(project.tranches[0], r["admin"])
    many = _measure(client, count_queries, "/projects")
    page = client.get("/projects").get_data(as_text=True)
    assert page.count("data-project=") == 3
    assert few == many == 5  # user, memberships, rows, roles, inbox


def test_the_project_page_costs_the_same_however_much_happened(
    client, login_as, make, monkeypatch, count_queries
):
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00))
    busy, quiet = r["projects"]
    admin = r["admin"]
    sign(busy, admin)
    pay(busy.tranches[0], admin)
    projects.withhold(tranche=busy.tranches[1], reason="中期评估不合格", actor=admin)
    projects.suspend(project=busy, reason="暂停", actor=admin)
    projects.resume(project=busy, reason="恢复", actor=admin)
    db.session.flush()
    for viewer in (admin, owner_of(busy)):
        login_as(viewer)
        if viewer is not admin:
            join(viewer, quiet.organization)
        client.get(f"/projects/{quiet.id}")
        calm = _measure(client, count_queries, f"/projects/{quiet.id}")
        eventful = _measure(client, count_queries, f"/projects/{busy.id}")
        assert calm == eventful <= 15, viewer


def test_the_review_queue_lists_projects_with_records_or_reports_waiting(
    client, login_as, make, monkeypatch
):
    r = funded_round(make, monkeypatch, amounts=(25_000_00, 20_000_00, 15_000_00))
    first, second, third = r["projects"]
    admin = r["admin"]
    for project in r["projects"]:
        sign(project, admin)
    # the first has an activity record waiting, the second a submitted mid-term report
    activities.record_activity(
        project=first,
        values=values(held_on=local_today()),
        photos=[],
        sign_in_sheet=None,
        actor=owner_of(first),
    )
    midterm = db.session.scalar(
        select(Report).where(Report.project_id == second.id, Report.kind == ReportKind.MIDTERM)
    )
    reports.save_report(
        report=midterm,
        narrative="进展顺利",
        self_assessment="良好",
        actuals={i.id: (10, "") for i in second.application.indicators},
        actor=owner_of(second),
    )
    reports.submit_report(report=midterm, actor=owner_of(second))
    login_as(admin)
    page = client.get("/admin/projects").get_data(as_text=True)
    link = page.split('data-testid="review-filter"', 1)[1].split("</a>", 1)[0]
    assert re.search(r'<span class="badge[^"]*">2</span>', link)
    assert agreements(client, review="1") == [first.agreement_number, second.agreement_number]
    # once accepted, nothing waits any more for that project
    reports.accept_report(report=midterm, actor=admin)
    assert agreements(client, review="1") == [first.agreement_number]
    assert third.agreement_number not in agreements(client, review="1")
