"""The results dashboard: the seed's round shown exactly, filters, the street scope, and a query
count that does not grow with the data."""

import re

import pytest

from microventure.funds import queries as fund_queries
from tests.helpers_stats import ACTIVITIES, APPLICATIONS, APPROVED, RAISED, SEED, seed_round


@pytest.fixture
def world(make):
    return seed_round(make)


def page(client, **args) -> str:
    response = client.get("/admin/stats", query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def headline(html: str, key: str) -> str:
    return re.search(rf'data-headline="{key}">([^<]*)<', html).group(1)


def total_row(html: str, group: str) -> dict[str, str]:
    row = re.search(rf'data-total="{group}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', row))


def table_rows(html: str, table: str) -> dict[str, list[str]]:
    body = re.search(rf'data-table="{table}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        label = re.search(r"<th[^>]*>([^<]*)</th>", row).group(1)
        found[label] = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    return found


def test_the_district_sees_the_seed_round_exactly(client, login_as, world):
    login_as(world.district_admin)
    html = page(client)
    assert headline(html, "raised") == "¥1,150,000.00"
    assert headline(html, "received") == str(APPLICATIONS) == "112"
    assert headline(html, "approved") == str(APPROVED) == "71"
    assert headline(html, "activities") == str(ACTIVITIES) == "196"
    e = world.expected
    assert headline(html, "participants") == f"{e['participants']:,}"
    assert headline(html, "problems_solved") == str(e["problems"])
    assert "accepted activity records only" in page(client, lang="en")

    assert total_row(html, "applications") == {
        "received": "112",
        "eligible": str(e["eligible"]),
        "approved": "71",
        "success_rate": "63.4%",
        "organizations": "112",
        "first_time": "112",
    }
    assert total_row(html, "money") == {
        "amount_requested": "¥1,680,000.00",
        "amount_recommended": "¥923,000.00",
        "amount_approved": "¥923,000.00",
        "amount_disbursed": f"¥{e['disbursed'] // 100:,}.00",
        "amount_returned": f"¥{e['returned'] // 100:,}.00",
    }
    assert total_row(html, "activities") == {
        "activities": "196",
        "participants": f"{e['participants']:,}",
        "verified_participants": "0",  # the seed story's activities had no check-in session
        "volunteers": f"{e['volunteers']:,}",
        "volunteer_hours": f"{e['hours']:,.1f}",
        "problems_solved": str(e["problems"]),
    }
    assert total_row(html, "projects") == {
        "projects": "71",
        "projects_active": str(71 - 6),
        "projects_completed": "3",
        "projects_terminated": "3",
    }
    assert total_row(html, "funds")["raised"] == "¥1,150,000.00"

    per_street = table_rows(html, "applications-street")
    assert {name: cells[:3] for name, cells in per_street.items()} == {
        name: [str(apps), str(apps - 3), str(approved)]
        for name, (_raised, apps, approved, _records) in SEED.items()
    }
    funds = table_rows(html, "funds-street")
    assert [cells[0] for cells in funds.values()] == ["¥500,000.00", "¥350,000.00", "¥300,000.00"]
    activities = table_rows(html, "activities-street")
    assert [cells[0] for cells in activities.values()] == ["70", "66", "60"]
    # each chart's numbers as a table under it; the chart's data in a JSON block, no inline code
    chart = re.search(r'data-chart-table="street">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", chart) == [
        "40",
        "25",
        "70",
        "38",
        "24",
        "66",
        "34",
        "22",
        "60",
    ]
    assert '<script type="application/json" id="stats-charts">' in html
    assert "<script>" not in html and " onclick=" not in html


def test_the_figures_reconcile_with_the_fund_ledger(client, login_as, world):
    """Raised = available + reserved + committed + disbursed, and what was approved is what is
    committed, disbursed or returned: the same sums as the fund pages."""
    login_as(world.district_admin)
    funds = total_row(page(client), "funds")
    balances = fund_queries.balances(street_ids=None)
    assert funds["raised"] == f"¥{sum(b.raised for b in balances) // 100:,}.00"
    e = world.expected
    committed = e["approved_amount"] - e["disbursed"] - e["returned"]
    assert funds["committed"] == f"¥{committed // 100:,}.00"
    assert funds["disbursed"] == f"¥{e['disbursed'] // 100:,}.00"
    assert funds["available"] == f"¥{(RAISED - committed - e['disbursed']) // 100:,}.00"


def test_a_street_admin_sees_their_street_only(client, login_as, world):
    login_as(world.street_admins["桥南街"])
    html = page(client, street=world.streets["南村镇"].id)  # asking for another street: ignored
    assert headline(html, "received") == "38"
    assert headline(html, "approved") == "24"
    assert headline(html, "activities") == "66"
    assert headline(html, "raised") == "¥350,000.00"
    assert 'name="street"' not in html  # no street filter for a street admin
    assert "南村镇" not in html and "S0-2026-MCT" not in html


def test_filters_by_street_call_domain_and_year(client, login_as, world):
    login_as(world.district_admin)
    html = page(client, street=world.streets["市桥街"].id, by="domain")
    assert headline(html, "received") == "34"
    assert headline(html, "raised") == "¥300,000.00"
    assert headline(html, "received") == headline(
        page(client, call=world.calls["市桥街"].id), "received"
    )
    garbage = page(client, domain="garbage_sorting")
    per_domain = table_rows(page(client, by="domain"), "applications-domain")
    assert headline(garbage, "received") == per_domain["垃圾分类"][0]
    assert headline(page(client, year=2025), "received") == "0"
    # funds: those the chosen calls draw on
    assert headline(page(client, call=world.calls["市桥街"].id), "raised") == "¥300,000.00"
    assert headline(page(client, year=2025), "raised") == "¥0.00"
    assert headline(page(client, year=2026), "raised") == "¥1,150,000.00"
    assert headline(page(client, year=2026), "received") == "112"
    months = table_rows(page(client, by="month"), "activities-month")
    assert sum(int(cells[0]) for cells in months.values()) == ACTIVITIES


def test_only_admins_see_the_dashboard(client, login_as, make, world):
    assert client.get("/admin/stats").status_code == 302  # to the login page
    login_as(make.user())
    assert client.get("/admin/stats").status_code == 403


DASHBOARD_QUERIES = (
    14  # user, roles, memberships, inbox; 4 for the funds, 4 figures; calls, streets
)


@pytest.mark.parametrize("scale", [1, 10])
@pytest.mark.parametrize("who", ["district", "street"])
def test_the_query_count_is_fixed_whatever_the_data(
    client, login_as, make, count_queries, who, scale
):
    """The same count on the seed round and on ten times its applications, projects and
    activity records."""
    world = seed_round(make, scale=scale)
    login_as(world.district_admin if who == "district" else world.street_admins["南村镇"])
    with count_queries() as q:
        html = page(client)
    assert headline(html, "received") == f"{(112 if who == 'district' else 40) * scale:,}"
    assert q.count == DASHBOARD_QUERIES, q.statements


def test_first_time_applicants_are_organisations_applying_for_the_first_time(
    client, login_as, world
):
    """An organisation of the seed round applies again the next year: it takes part again but
    is not a first-time applicant any more."""
    from sqlalchemy import insert, select

    from microventure.applications.models import Application, ApplicationStatus
    from microventure.extensions import db
    from tests.helpers_calls import make_call

    old = world.calls["南村镇"]
    again = make_call(
        actor=world.district_admin,
        fund=old.fund,
        publish=False,
        code="S0-2027-MCT",
        year=2027,
        budget=50_000_00,
        grant_max=50_000_00,
    )
    org_id = db.session.scalar(
        select(Application.organization_id).where(Application.call_id == old.id)
    )
    db.session.execute(
        insert(Application),
        [
            dict(
                call_id=again.id,
                organization_id=org_id,
                created_by_id=world.district_admin.id,
                status=ApplicationStatus.SUBMITTED,
                reference="S0-2027-MCT-0001",
                title="再次申报",
                submitted_at=old.created_at,
            )
        ],
    )
    login_as(world.district_admin)
    assert total_row(page(client, year=2027), "applications") | {"success_rate": ""} == {
        "received": "1",
        "eligible": "0",
        "approved": "0",
        "success_rate": "",
        "organizations": "1",
        "first_time": "0",
    }
    everything = total_row(page(client), "applications")
    assert (everything["received"], everything["organizations"]) == ("113", "112")
    assert everything["first_time"] == "112"


def test_who_may_see_the_statistics(make, world):
    from microventure.accounts.models import Role
    from microventure.core.policy import can, street_scope

    reviewer = make.user(role=Role.REVIEWER)
    street = world.street_admins["南村镇"]
    district = world.district_admin
    assert [can(u, "stats.view") for u in (district, street, reviewer)] == [True, True, False]
    assert [can(u, "stats.all_streets") for u in (district, street)] == [True, False]
    assert street_scope(district) is None
    assert street_scope(street) == {world.streets["南村镇"].id}


def test_a_district_wide_call_counts_in_its_applicants_streets(client, login_as, world):
    """A call of the district's own fund has no street: its applications, projects and
    activities count for the street of the organisation that applied."""
    from datetime import date

    from microventure.calls.models import CallStatus
    from microventure.demo.bulk_round import Plan, Totals, write_round
    from microventure.funds import services as funds
    from microventure.funds.models import FundKind
    from tests.conftest import valid_credit_code
    from tests.helpers_calls import make_call

    district = world.district_admin
    fund = funds.create_fund(
        name="区级社区基金",
        kind=FundKind.COMMUNITY_FUND,
        street=None,
        description="",
        actor=district,
    )
    funds.record_contribution(
        fund=fund,
        donor="区福彩",
        amount=100_000_00,
        received_on=date(2026, 3, 1),
        note="",
        actor=district,
    )
    call = make_call(actor=district, fund=fund, publish=False, code="D-2026-MCT", budget=100_000_00)
    assert call.street_id is None
    call.status = CallStatus.FINALIZED
    write_round(
        call=call,
        street=world.streets["桥南街"],
        actor_id=district.id,
        plan=Plan(5, 2, 6, 15_000_00, 13_000_00, 2026),
        code=lambda _n: valid_credit_code(),
        totals=Totals(),
    )
    login_as(world.street_admins["桥南街"])
    html = page(client)
    assert (headline(html, "received"), headline(html, "approved")) == ("43", "26")
    assert headline(html, "activities") == "72"
    assert "D-2026-MCT" in html
    client.post("/auth/logout")
    login_as(world.street_admins["南村镇"])
    html = page(client)
    assert (headline(html, "received"), headline(html, "activities")) == ("40", "70")
    client.post("/auth/logout")
    login_as(district)
    html = page(client, street=world.streets["桥南街"].id)
    assert (headline(html, "received"), headline(html, "activities")) == ("43", "72")
    assert headline(page(client), "received") == "117"
