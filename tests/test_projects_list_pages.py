"""The admin list of projects page by page (SeekPagination): the neighbour pages' links seek from
the edge row (?after= / ?before=), numbered links and old bookmarks go by ?page=, the filters stay
in every link, ties in the first sort key (many projects of one call) are broken by the agreement
number, and every page costs the same number of queries."""

import html
import re

import pytest

from microventure.accounts.models import Role
from tests.test_projects_support import funded_round, sign


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    return tmp_path


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = re.findall(r'<tr data-agreement="([^"]+)"', text)
    links = {
        int(number): html.unescape(href)
        for href, number in re.findall(r'class="page-link" href="([^"]+)">(\d+)</a>', text)
    }
    return rows, links


@pytest.fixture
def two_calls(make, monkeypatch):
    """Five projects of one call (ties on the call) and two of a newer one: seven, four pages."""
    older = funded_round(make, monkeypatch, amounts=(20_000_00,) * 5)
    newer = funded_round(make, monkeypatch, amounts=(15_000_00,) * 2, code="NEW-2026-MCT")
    district = make.user(role=Role.DISTRICT_ADMIN)
    # newest call first, then by agreement number
    expected = sorted(p.agreement_number for p in newer["projects"]) + sorted(
        p.agreement_number for p in older["projects"]
    )
    return district, older, newer, expected


def test_walking_forward_and_back_by_the_links_shows_each_project_once(client, login_as, two_calls):
    district, _, _, expected = two_calls
    login_as(district)
    url, seen, pages = "/admin/projects", [], []
    for number in range(1, 5):
        rows, links = _page(client, url)
        seen += rows
        pages.append(rows)
        if number < 4:
            url = links[number + 1]
            assert "after=" in url and f"page={number + 1}" in url and "before=" not in url
        else:
            assert number + 1 not in links  # the last page has no next
    assert seen == expected
    assert [len(rows) for rows in pages] == [2, 2, 2, 1]
    # the boundary between the calls falls inside page 1 (2 newer) / page 2 (older): ties on
    # the call are broken by the agreement number on either side of the cursor
    for number in range(4, 1, -1):
        rows, links = _page(client, url)
        assert rows == pages[number - 1]
        url = links[number - 1]
        assert "before=" in url and f"page={number - 1}" in url and "after=" not in url
    assert _page(client, url)[0] == pages[0]


def test_page_numbers_still_work_and_agree_with_the_cursors(client, login_as, two_calls):
    district, _, _, expected = two_calls
    login_as(district)
    assert [_page(client, f"/admin/projects?page={n}")[0] for n in range(1, 5)] == [
        expected[0:2],
        expected[2:4],
        expected[4:6],
        expected[6:],
    ]
    assert _page(client, "/admin/projects?page=9")[0] == []  # past the end: empty, not an error
    rows, links = _page(client, "/admin/projects?page=3")
    assert rows == expected[4:6]
    # a far page goes by number, without a cursor left over from this page's URL
    assert "after=" not in links[1] and "before=" not in links[1]
    assert "before=" in links[2] and "after=" in links[4]


def test_a_cursor_whose_row_is_unknown_falls_back_to_the_page_number(client, login_as, two_calls):
    district, _, _, expected = two_calls
    login_as(district)
    assert _page(client, "/admin/projects?page=2&after=999999")[0] == expected[2:4]
    assert _page(client, "/admin/projects?page=2&before=999999")[0] == expected[2:4]
    assert _page(client, "/admin/projects?page=2&after=bogus")[0] == expected[2:4]


def test_the_filters_stay_in_the_links_and_the_pages_cover_the_filtered_list(
    client, login_as, two_calls, monkeypatch
):
    district, older, _, _ = two_calls
    for project in older["projects"][:3]:
        sign(project, older["admin"])
    active = sorted(p.agreement_number for p in older["projects"][:3])
    login_as(district)
    rows, links = _page(client, "/admin/projects?status=active")
    assert rows == active[:2]
    assert "status=active" in links[2]
    rows, links = _page(client, links[2])
    assert rows == active[2:] and 3 not in links
    assert "status=active" in links[1]
    assert _page(client, links[1])[0] == active[:2]
    # a cursor from another filter's list still gives that filter's next rows
    call = older["call"].id
    rows, links = _page(client, f"/admin/projects?call={call}")
    assert rows == sorted(p.agreement_number for p in older["projects"])[:2]
    assert f"call={call}" in links[2]
    assert len(_page(client, links[2])[0]) == 2


def test_every_page_costs_the_same_number_of_queries(client, login_as, two_calls, count_queries):
    district, _, _, _ = two_calls
    login_as(district)
    client.get("/admin/projects")  # warm up
    counts = []
    _, links = _page(client, "/admin/projects?page=2")
    for url in ("/admin/projects", "/admin/projects?page=4", links[3], links[1]):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert counts == [8] * 4  # user, roles, rows, count, due sum, calls, memberships, inbox
