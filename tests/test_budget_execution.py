"""Budget execution: approved per category scaled to the approved grant (summing exactly),
spent from submitted reports, the overspend tolerance; the page, the project page's panel and
their query counts."""

from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user

from microventure.calls.models import BudgetCategory
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.models import ReportKind, ReportStatus
from microventure.projects.reports import queries as report_queries
from microventure.projects.reports.budget import execution, scale
from tests.test_reports_helpers import World, english, uploads  # noqa: F401

C = BudgetCategory


pytestmark = pytest.mark.usefixtures("english", "uploads")


@pytest.fixture
def world(make):
    return World(make)


def by_category(lines):
    *rows, total = lines
    assert total.is_total
    return {row.category: row for row in rows}, total


def test_scaling_rounds_down_and_the_largest_category_takes_the_rest():
    # ¥25,000 requested (¥20,000 activities, ¥5,000 personnel), ¥19,999.99 approved:
    # 2,000,000 × 1,999,999 / 2,500,000 = 1,599,999.2 → 1,599,999 (+1 rounding = 1,600,000)
    #   500,000 × 1,999,999 / 2,500,000 =   399,999.8 →   399,999
    requested = {C.ACTIVITIES: 20_000_00, C.PERSONNEL: 5_000_00}
    assert scale(requested, 19_999_99) == {C.ACTIVITIES: 16_000_00, C.PERSONNEL: 3_999_99}
    three = {C.PERSONNEL: 1_00, C.MATERIALS: 1_00, C.VENUE: 1_00}
    parts = scale(three, 1_00)
    assert sum(parts.values()) == 1_00
    assert parts == {C.PERSONNEL: 34, C.MATERIALS: 33, C.VENUE: 33}  # the first of equals
    assert scale({C.OTHER: 0}, 5_00) == {C.OTHER: 0}


def test_approved_amounts_add_up_to_the_project_amount_when_less_was_approved(make):
    world = World(make, amounts=(19_999_99, 25_000_00))
    rows, total = by_category(execution(world.project))
    assert world.project.amount == 19_999_99
    assert [c for c in rows] == [C.PERSONNEL, C.ACTIVITIES]  # in the call's category order
    assert rows[C.ACTIVITIES].approved == 16_000_00
    assert rows[C.PERSONNEL].approved == 3_999_99
    assert total.approved == world.project.amount
    full, full_total = by_category(execution(world.projects[1]))
    assert full[C.ACTIVITIES].approved == 20_000_00 and full_total.approved == 25_000_00


def test_spending_beyond_the_tolerance_is_flagged(world):
    # ¥20,000 approved of ¥25,000: activities ¥16,000, personnel ¥4,000; tolerance 10%.
    midterm, final = world.report(), world.report(ReportKind.FINAL)
    world.spend(midterm, "activities", 16_000_00)
    world.spend(midterm, "activities", 1_760_00)  # ¥17,760 = 111% → overspent
    world.spend(midterm, "personnel", 4_200_00)  # 105% → over, within tolerance
    world.spend(final, "personnel", 999_00)  # a draft: not spent yet
    rows, total = by_category(execution(world.project))
    assert rows[C.ACTIVITIES].spent == 0 and rows[C.ACTIVITIES].draft == 17_760_00
    world.submit(midterm)
    rows, total = by_category(execution(world.project))

    activities, personnel = rows[C.ACTIVITIES], rows[C.PERSONNEL]
    assert (activities.approved, activities.spent) == (16_000_00, 17_760_00)
    assert activities.limit == 17_600_00
    assert activities.overspent and activities.state == "overspent"
    assert activities.remaining == -1_760_00 and activities.percent_spent == 111
    assert (personnel.approved, personnel.spent, personnel.draft) == (4_000_00, 4_200_00, 999_00)
    assert not personnel.overspent and personnel.state == "over"
    assert personnel.remaining == -200_00
    assert (total.approved, total.spent, total.draft) == (20_000_00, 21_960_00, 999_00)
    assert total.state == "over"  # 109.8% overall


def test_exactly_at_the_tolerance_is_not_overspent(make):
    world = World(make, overspend_tolerance=0)
    report = world.report()
    world.spend(report, "personnel", 4_000_00)  # 100% with no tolerance: fine
    world.spend(report, "activities", 16_000_01)  # one fen over with no tolerance
    world.submit(report)
    rows, _total = by_category(execution(world.project))
    assert rows[C.PERSONNEL].state == "ok"
    assert rows[C.ACTIVITIES].state == "overspent"


def test_a_failed_report_still_counts_as_spent(world):
    from microventure.projects.reports import services as reports

    report = world.report()
    world.spend(report, "personnel", 1_000_00)
    world.submit(report)
    reports.fail_report(report=report, reason="不合格", actor=world.admin)
    rows, _ = by_category(execution(world.project))
    assert rows[C.PERSONNEL].spent == 1_000_00 and rows[C.PERSONNEL].draft == 0


# ---------------------------------------------------------------------------- pages, panel


def test_the_budget_page_highlights_overspent_rows(client, login_as, world):
    report = world.report()
    world.spend(report, "activities", 17_760_00)
    world.spend(report, "personnel", 4_200_00)
    world.submit(report)
    login_as(world.owner)
    client.get("/?lang=en")
    page = client.get(f"/projects/{world.project.id}/budget").get_data(as_text=True)
    assert 'class="table-danger" data-category="activities" data-state="overspent"' in page
    assert 'class="table-warning" data-category="personnel" data-state="over"' in page
    assert 'data-testid="overspent-alert"' in page
    assert "¥16,000.00" in page and "¥17,760.00" in page and "-¥1,760.00" in page
    assert "111%" in page and "105%" in page
    login_as(world.admin)
    assert client.get(f"/projects/{world.project.id}/budget").status_code == 200


def test_the_budget_page_makes_the_same_number_of_queries_for_2_and_8(
    client, login_as, world, count_queries
):
    midterm, final = world.report(), world.report(ReportKind.FINAL)
    world.spend(midterm, "activities", 1_00)
    world.spend(final, "personnel", 2_00)
    login_as(world.owner)
    address = f"/projects/{world.project.id}/budget"
    client.get(address)

    def measured() -> int:
        with count_queries() as counter:
            assert client.get(address).status_code == 200
        return counter.count

    few = measured()
    for i in range(3):
        world.spend(midterm, "personnel", 3_00 + i)
        world.spend(final, "activities", 4_00 + i)
    assert len(midterm.expenditures) + len(final.expenditures) == 8
    assert few == measured() <= 8


def test_overview_lists_the_reports_with_overdue_flags_and_versions(world, count_queries):
    midterm, final = world.report(), world.report(ReportKind.FINAL)
    world.spend(midterm, "activities", 17_000_00)
    world.submit(midterm)
    final.due_on = local_today() - timedelta(days=1)
    db.session.flush()
    with count_queries() as counter:
        overview = report_queries.overview(world.project)
    assert counter.count <= 3
    assert [(r.kind, r.status, r.versions, r.overdue) for r in overview.reports] == [
        (ReportKind.MIDTERM, ReportStatus.SUBMITTED, 1, False),
        (ReportKind.FINAL, ReportStatus.DRAFT, 0, True),
    ]
    assert overview.reports[0].submitted_at is not None
    # ¥17,000 of the ¥16,000 approved for activities is 106%: over, within the 10% tolerance
    assert not overview.any_overspent
    assert [(line.category, line.state) for line in overview.lines] == [
        (C.PERSONNEL, "ok"),
        (C.ACTIVITIES, "over"),
    ]
    assert overview.total.approved == 20_000_00 and overview.total.spent == 17_000_00
    assert overview.total.remaining == 3_000_00


def test_the_project_page_panel_renders_reports_and_budget(app, world):
    report = world.report()
    world.spend(report, "activities", 17_760_00)
    world.submit(report)
    with app.test_request_context("/?lang=en"):
        login_user(world.owner)
        html = render_template(
            "projects/_reports_panel.html",
            reports=report_queries.overview(world.project),
            project=world.project,
        )
    assert f'href="/projects/{world.project.id}/reports/midterm"' in html
    assert f'href="/projects/{world.project.id}/reports/final"' in html
    assert f'href="/projects/{world.project.id}/budget"' in html
    assert 'data-status="submitted"' in html and 'data-status="draft"' in html
    assert 'data-category="activities" data-state="overspent"' in html
