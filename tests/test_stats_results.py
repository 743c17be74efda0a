"""The public results page: the district's figures and funded projects without login, open calls
and current notices, no personal data, and a fixed number of queries."""

import re
from datetime import date, timedelta

import pytest

from microventure.core.timeutil import utcnow
from microventure.decisions.models import Notice
from microventure.extensions import db
from tests.helpers_calls import make_call
from tests.helpers_stats import seed_round
from tests.test_stats_dashboard import headline, table_rows, total_row


def open_call_and_notice(world):
    """A call open now in 南村镇 and the seed call of 桥南街 in its notice window."""
    admin = world.street_admins["南村镇"]
    call = make_call(
        actor=admin,
        fund=world.calls["南村镇"].fund,
        code="S0-2027-MCT",
        title="2027年南村镇社区微创投",
        budget=10_000_00,
        grant_min=1_000_00,
        grant_max=10_000_00,
    )
    notice = Notice(
        call_id=world.calls["桥南街"].id,
        working_days=5,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=7),
        ends_at=utcnow() + timedelta(days=7),
        published_by_id=admin.id,
    )
    db.session.add(notice)
    db.session.flush()
    return call


def test_anyone_sees_the_seed_rounds_results(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 50)
    world = seed_round(make)
    call = open_call_and_notice(world)
    response = client.get("/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert headline(html, "raised") == "¥1,150,000.00"
    assert headline(html, "received") == "112"
    assert headline(html, "approved") == "71"
    assert headline(html, "activities") == "196"
    assert headline(html, "amount_approved") == "¥923,000.00"
    assert total_row(html, "public")["activities"] == "196"
    streets = table_rows(html, "public-street")
    assert {name: cells[:2] for name, cells in streets.items()} == {
        "南村镇": ["40", "25"],
        "桥南街": ["38", "24"],
        "市桥街": ["34", "22"],
    }
    projects = re.findall(r'<tr data-project="\d+">(.*?)</tr>', html, re.S)
    assert len(projects) == 50  # a page; the pager leads to the other 21
    assert 'href="/results?page=2"' in html
    assert "¥13,000.00" in projects[0] and "市桥街" in projects[0]  # newest call first
    calls = re.search(r'data-testid="open-calls">(.*?)</section>', html, re.S).group(1)
    assert call.title in calls
    notices = re.search(r'data-testid="current-notices">(.*?)</section>', html, re.S).group(1)
    assert world.calls["桥南街"].title in notices
    # no personal data: the organisations' contacts, phones and the staff's names stay inside
    for private in ("13800138000", "联系人", "管理员", "得分较低"):
        assert private not in html


RESULTS_QUERIES = 13  # 4 for the funds, 4 figures, streets, 2 for the projects, notices, calls


@pytest.mark.parametrize("scale", [1, 10])
def test_the_query_count_is_fixed_whatever_the_data(client, make, count_queries, scale):
    world = seed_round(make, scale=scale)
    open_call_and_notice(world)
    with count_queries() as q:
        html = client.get("/results").get_data(as_text=True)
    assert headline(html, "received") == f"{112 * scale:,}"
    assert q.count == RESULTS_QUERIES, q.statements
