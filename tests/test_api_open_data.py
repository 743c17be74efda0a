"""The API's public open data beside the calls: notices with their projects, funded projects and
the results figures — what the public pages show, from the same queries, at a fixed number of
queries whatever the data."""

import re

import pytest

from microventure.core.money import format_fen
from microventure.decisions import notice as notice_services
from microventure.extensions import db
from microventure.stats import cache
from tests.helpers_stats import seed_round
from tests.test_notice_public import K, notice_world
from tests.test_stats_dashboard import headline, table_rows, total_row
from tests.test_stats_results import open_call_and_notice

EN = {"Accept-Language": "en"}


def ok(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


# ---------------------------------------------------------------------------- notices


def test_published_notices_newest_first_with_their_state(client, make):
    older = notice_world(make, code="OLD-2026", days_ago=30)
    newer = notice_world(make, code="NEW-2026", projects=3)
    body = ok(client.get("/api/v1/notices"))
    assert [n["code"] for n in body["items"]] == ["NEW-2026", "OLD-2026"]
    assert body["total"] == 2 and body["pages"] == 1
    first = body["items"][0]
    assert first["call_id"] == newer["call"].id and first["state"] == "open"
    assert first["project_count"] == 3 and first["total_fen"] == (10 + 11 + 12) * K
    assert first["ends_at"].endswith("+08:00") and first["working_days"] == 5
    assert first["starts_on"] == newer["notice"].starts_on.isoformat()
    assert first["street"] == {
        "id": newer["street"].id,
        "name": newer["street"].name,
        "name_en": newer["street"].name_en,
    }
    assert first["url"].endswith(f"/notices/{newer['call'].id}")
    assert body["items"][1]["state"] == "ended"
    assert [n["code"] for n in ok(client.get("/api/v1/notices?state=open"))["items"]] == [
        "NEW-2026"
    ]
    ended = ok(client.get("/api/v1/notices?state=ended"))
    assert [n["call_id"] for n in ended["items"]] == [older["call"].id] and ended["total"] == 1
    bad = client.get("/api/v1/notices?state=closed", headers=EN)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "state"


def test_a_notice_with_its_projects_as_its_page_shows_them(client, make):
    world = notice_world(make, reviewer_names_in_notice=True)
    first, second, turned_down = world["applications"]
    world["pool"][0].name = "王评审"
    objection = notice_services.lodge_objection(
        notice=world["notice"],
        application_id=first.id,
        name="张",
        contact="13800138000",
        text="虚报",
        remote_addr=None,
    )
    notice_services.resolve_objection(
        objection=objection, upheld=True, resolution="核实属实", actor=world["admin"]
    )
    db.session.flush()
    body = ok(client.get(f"/api/v1/notices/{world['call'].id}", headers=EN))
    assert [p["reference"] for p in body["projects"]] == [first.reference, second.reference]
    withdrawn, standing = body["projects"]
    assert withdrawn["withdrawn"] is True and standing["withdrawn"] is False
    assert standing["amount_fen"] == 11 * K and standing["title"] == second.title
    assert standing["street"]["name"] == world["street"].name
    assert body["project_count"] == 1 and body["total_fen"] == 11 * K  # the withdrawn left out
    assert body["publisher"] == world["street"].name_en
    assert body["reviewers"] == ["王评审"]
    text = client.get(f"/api/v1/notices/{world['call'].id}").get_data(as_text=True)
    for private in ("13800138000", "虚报", "核实属实", "得分较低", turned_down.reference):
        assert private not in text  # objections, contacts and reasons stay inside


def test_no_notice_is_a_404_problem(client, make):
    hidden = notice_world(make, code="HID-2026")
    assert ok(client.get(f"/api/v1/notices/{hidden['call'].id}"))["reviewers"] == []
    from tests.test_decisions_world import decision_world

    undecided = decision_world(make, requests=[20 * K], scores=[80], code="NONE-2026")
    for path in (f"/api/v1/notices/{undecided['call'].id}", "/api/v1/notices/999999"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_notices_cost_the_same_queries_whatever_they_hold(client, make, count_queries):
    small = notice_world(make, code="S-2026", projects=2, reviewer_names_in_notice=True)
    big = notice_world(make, code="B-2026", projects=8, reviewer_names_in_notice=True, reviewers=2)
    counts = []
    for world in (small, big):
        client.get(f"/api/v1/notices/{world['call'].id}")
        with count_queries() as one:
            body = ok(client.get(f"/api/v1/notices/{world['call'].id}"))
        assert len(body["projects"]) == len(world["applications"]) - 1
        counts.append(one.count)
    assert counts[0] == counts[1] <= 6, one.statements
    with count_queries() as few:
        client.get("/api/v1/notices?per_page=1")
    with count_queries() as many:
        assert len(ok(client.get("/api/v1/notices"))["items"]) == 2
    assert few.count == many.count <= 3, many.statements


# ---------------------------------------------------------------------------- projects


@pytest.fixture
def seeded(make):
    return seed_round(make)


def test_funded_projects_as_the_results_page_lists_them(app, client, seeded, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 100)
    html = client.get("/results").get_data(as_text=True)
    on_page = [int(i) for i in re.findall(r'<tr data-project="(\d+)">', html)]
    body = ok(client.get("/api/v1/funded-projects?per_page=100"))
    assert [p["id"] for p in body["items"]] == on_page and body["total"] == 71
    first = body["items"][0]
    assert set(first) == {
        "id",
        "title",
        "organization",
        "street",
        "domain",
        "amount_fen",
        "status",
        "call_id",
        "call_code",
        "year",
    }  # nothing the page keeps inside: no contacts, persons, scores or reasons
    row = re.search(rf'<tr data-project="{first["id"]}">(.*?)</tr>', html, re.S).group(1)
    assert first["title"] in row and first["organization"] in row
    assert format_fen(first["amount_fen"]) in row and first["street"]["name"] in row
    assert first["status"]["label"] in row and first["domain"]["label"] in row


def test_project_filters(client, seeded):
    everything = ok(client.get("/api/v1/funded-projects?per_page=100"))["items"]

    def ids(query: str) -> list[int]:
        body = ok(client.get(f"/api/v1/funded-projects?per_page=100&{query}"))
        assert body["total"] == len(body["items"])
        return [p["id"] for p in body["items"]]

    street = seeded.streets["桥南街"]
    by_street = [p["id"] for p in everything if p["street"]["id"] == street.id]
    assert ids(f"street_id={street.id}") == by_street and 0 < len(by_street) < len(everything)
    domain = everything[0]["domain"]["code"]
    by_domain = [p["id"] for p in everything if (p["domain"] or {}).get("code") == domain]
    assert ids(f"domain={domain}") == by_domain and len(by_domain) < len(everything)
    call = seeded.calls["南村镇"]
    by_call = [p["id"] for p in everything if p["call_id"] == call.id]
    assert ids(f"call_id={call.id}") == by_call and by_call
    assert ids(f"year={call.year}") == [p["id"] for p in everything if p["year"] == call.year]
    assert ids("year=2001") == []
    assert ids(f"street_id={street.id}&call_id={call.id}") == []  # another street's call
    bad = client.get("/api/v1/funded-projects?domain=nope&street_id=0&per_page=500", headers=EN)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"domain", "street_id", "per_page"}


def test_the_projects_list_costs_the_same_queries_whatever_it_holds(client, seeded, count_queries):
    street_id = seeded.streets["桥南街"].id
    client.get("/api/v1/funded-projects")
    with count_queries() as few:
        assert len(ok(client.get("/api/v1/funded-projects?per_page=1"))["items"]) == 1
    with count_queries() as many:
        assert len(ok(client.get("/api/v1/funded-projects?per_page=100"))["items"]) == 71
    with count_queries() as filtered:
        ok(client.get(f"/api/v1/funded-projects?per_page=100&street_id={street_id}"))
    assert few.count == many.count == filtered.count == 2, many.statements


# ---------------------------------------------------------------------------- results


def test_the_results_figures_are_the_results_pages(app, client, make):
    world = seed_round(make)
    open_call_and_notice(world)
    body = ok(client.get("/api/v1/results"))
    html = client.get("/results").get_data(as_text=True)
    total = body["total"]
    assert format_fen(body["funds"]["raised_fen"]) == headline(html, "raised") == "¥1,150,000.00"
    assert f"{total['received']:,}" == headline(html, "received") == "112"
    assert f"{total['approved']:,}" == headline(html, "approved") == "71"
    assert f"{total['activities']:,}" == headline(html, "activities")
    assert format_fen(total["amount_approved_fen"]) == headline(html, "amount_approved")
    assert f"{total['volunteer_hours']:,.1f}" == headline(html, "volunteer_hours")
    page_total = total_row(html, "public")
    assert format_fen(total["amount_disbursed_fen"]) == page_total["amount_disbursed"]
    assert f"{total['participants']:,}" == page_total["participants"]
    assert f"{total['problems_solved']:,}" == page_total["problems_solved"]
    streets = table_rows(html, "public-street")
    assert [s["street"]["name"] for s in body["by_street"]] == list(streets)
    for row in body["by_street"]:
        cells = streets[row["street"]["name"]]
        assert cells[:3] == [
            f"{row['received']:,}",
            f"{row['approved']:,}",
            format_fen(row["amount_approved_fen"]),
        ]
    funds = table_rows(html, "funds-street")
    by_name = {(f["street"] or {}).get("name"): f for f in body["funds_by_street"]}
    for name, cells in funds.items():
        assert format_fen(by_name[name]["raised_fen"]) == cells[0]
    assert sum(d["received"] for d in body["by_domain"]) == total["received"]
    assert all(re.fullmatch(r"\d{4}-\d{2}", m["month"]) for m in body["by_month"])
    assert sum(m["activities"] for m in body["by_month"]) == total["activities"]
    assert body["url"].endswith("/results")


RESULTS_QUERIES = 9  # 4 for the funds, 4 figures, the streets
CACHED_QUERIES = 2  # the figures' version, the streets


@pytest.mark.parametrize("scale", [1, 10])
def test_the_results_figures_cost_the_same_queries_and_are_cached(
    app, client, make, count_queries, monkeypatch, scale
):
    monkeypatch.setitem(app.config, "STATS_CACHE_SECONDS", 60)
    cache.clear()
    seed_round(make, scale=scale)
    with count_queries() as computed:
        first = client.get("/api/v1/results")
    assert ok(first)["total"]["received"] == 112 * scale
    assert computed.count == RESULTS_QUERIES + 1, computed.statements  # + the version
    with count_queries() as cached:
        again = client.get("/api/v1/results", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and cached.count == CACHED_QUERIES, cached.statements
    cache.clear()


def test_text_is_documented_without_control_characters(client):
    """A query with a control character is refused (400) before any operation reads it; the
    document says so with a pattern on every free text, so no client takes one for valid."""
    spec = client.get("/api/v1/openapi.json").get_json()
    title = spec["components"]["schemas"]["Call"]["properties"]["title"]
    assert title["type"] == "string"
    assert re.fullmatch(title["pattern"], "南村镇 2026\n第一期") is not None
    assert re.fullmatch(title["pattern"], "a\x00b") is None
    assert re.fullmatch(title["pattern"], "a\x1bb") is None
    state = spec["components"]["schemas"]["Notice"]["properties"]["state"]
    assert "pattern" not in state and state["enum"] == ["open", "ended"]
    refused = client.get("/api/v1/notices?state=open%00")
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"


def test_every_read_documents_its_etag_and_the_304(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    reads = [item["get"] for item in spec["paths"].values() if "get" in item]
    assert len(reads) >= 6
    for operation in reads:
        assert "If-None-Match" in {p["name"] for p in operation["parameters"]}
        assert set(operation["responses"]["200"]["headers"]) == {"ETag", "Cache-Control"}
        assert operation["responses"]["200"]["content"]  # the body's schema kept
        assert "304" in operation["responses"]
    first = client.get("/api/v1/notices")
    again = client.get("/api/v1/notices", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
