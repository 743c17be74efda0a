"""The API's public calls (api/calls.py) and what every API answer shares: problem documents in
the caller's language, bounded pages, ETags, no cookie authentication, the OpenAPI document and
its documentation page."""

from datetime import timedelta

import pytest

from microventure.accounts.models import Role
from microventure.calls.models import Domain
from microventure.core.timeutil import utcnow
from tests.helpers_calls import make_call, make_fund

EN = {"Accept-Language": "en"}
SMALL = 50_000_00  # a call's budget: the fund holds ten of them


@pytest.fixture
def world(make):
    street, other = make.street(), make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    district = make.user(role=Role.DISTRICT_ADMIN)
    fund = make_fund(actor=admin, street=street)
    other_fund = make_fund(actor=district, street=other)
    now = utcnow().replace(microsecond=0)
    calls = {
        "open": make_call(actor=admin, fund=fund, code="T-OPEN", budget=SMALL),
        "upcoming": make_call(
            actor=admin,
            fund=fund,
            code="T-LATER",
            budget=SMALL,
            opens_at=now + timedelta(days=3),
            closes_at=now + timedelta(days=20),
        ),
        "other street": make_call(
            actor=district,
            fund=other_fund,
            code="T-OTHER",
            domains=[Domain.MENTAL_HEALTH],
            budget=SMALL,
            closes_at=now + timedelta(days=15),
        ),
        "draft": make_call(actor=admin, fund=fund, code="T-DRAFT", publish=False, budget=SMALL),
    }
    closed = make_call(actor=admin, fund=fund, code="T-CLOSED", year=2025, budget=SMALL)
    closed.opens_at, closed.closes_at = now - timedelta(days=30), now - timedelta(days=2)
    calls["closed"] = closed
    return {"street": street, "other": other, "admin": admin, "calls": calls}


def codes(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [c["code"] for c in response.get_json()["items"]]


def test_published_calls_with_their_rules_latest_deadline_first(client, world):
    body = client.get("/api/v1/calls").get_json()
    assert [c["code"] for c in body["items"]] == ["T-LATER", "T-OTHER", "T-OPEN", "T-CLOSED"]
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 20, 4, 1)
    call = body["items"][2]
    assert call["state"] == "open" and call["status"]["code"] == "published"
    assert call["grant_min_fen"] == 10_000_00 and call["grant_max_fen"] == 50_000_00
    assert [d["code"] for d in call["domains"]] == ["smart_elderly_care", "garbage_sorting"]
    assert call["domains"][0]["label"] == "智慧养老"  # zh_CN by default
    assert call["closes_at"].endswith("+08:00")  # the deadline in Beijing time, with its offset
    assert call["street"]["id"] == world["street"].id
    assert call["url"].endswith(f"/calls/{world['calls']['open'].id}")


def test_filters(client, world):
    assert codes(client.get("/api/v1/calls?state=open")) == ["T-OTHER", "T-OPEN"]
    assert codes(client.get("/api/v1/calls?state=upcoming")) == ["T-LATER"]
    assert codes(client.get("/api/v1/calls?state=closed")) == ["T-CLOSED"]
    assert codes(client.get("/api/v1/calls?domain=mental_health")) == ["T-OTHER"]
    assert codes(client.get(f"/api/v1/calls?street_id={world['other'].id}")) == ["T-OTHER"]
    assert codes(client.get("/api/v1/calls?year=2025")) == ["T-CLOSED"]


def test_pages_are_bounded(client, world):
    body = client.get("/api/v1/calls?per_page=3&page=2").get_json()
    assert [c["code"] for c in body["items"]] == ["T-CLOSED"] and body["pages"] == 2
    assert codes(client.get("/api/v1/calls?page=9")) == []
    response = client.get("/api/v1/calls?per_page=101&domain=nope", headers=EN)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Invalid data" and problem["status"] == 422
    assert {e["field"] for e in problem["errors"]} == {"per_page", "domain"}
    assert "Enter a value from 1 to 100." in [e["message"] for e in problem["errors"]]


def test_problems_speak_the_callers_language(client, world):
    zh = client.get("/api/v1/calls?per_page=0", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.get_json()["errors"] == [
        {"field": "per_page", "message": "请输入 1 至 100 之间的值。"}
    ]
    en = client.get("/api/v1/calls?per_page=0", headers=EN).get_json()
    assert en["errors"][0]["message"] == "Enter a value from 1 to 100."
    assert client.get("/api/v1/nowhere", headers=EN).get_json()["title"] == "Page not found"


def test_one_call_and_what_is_hidden(client, world):
    calls = world["calls"]
    assert client.get(f"/api/v1/calls/{calls['open'].id}").get_json()["code"] == "T-OPEN"
    missing = client.get(f"/api/v1/calls/{calls['draft'].id}")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    # an id beyond INTEGER matches no route, on the API and on the pages (it was a 500)
    assert client.get("/api/v1/calls/34722818728170674697797632").status_code == 404
    assert client.get("/calls/34722818728170674697797632").status_code == 404


def test_a_session_cookie_does_not_authenticate_the_api(client, world, login_as):
    login_as(world["admin"])  # the draft's admin sees it on the pages
    assert client.get(f"/admin/calls/{world['calls']['draft'].id}").status_code == 200
    assert client.get(f"/api/v1/calls/{world['calls']['draft'].id}").status_code == 404
    assert "T-DRAFT" not in codes(client.get("/api/v1/calls"))


def test_public_answers_are_cached_with_an_etag(client, world):
    first = client.get("/api/v1/calls")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get("/api/v1/calls", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    english = client.get("/api/v1/calls", headers=EN | {"If-None-Match": first.headers["ETag"]})
    assert english.status_code == 200  # other labels: another body, another tag
    assert client.get("/api/v1/calls?per_page=0").headers["Cache-Control"] == "no-store"


def test_the_list_costs_the_same_queries_whatever_it_holds(client, world, make, count_queries):
    client.get("/api/v1/calls")
    with count_queries() as few:
        client.get("/api/v1/calls")
    for n in range(5):
        make_call(
            actor=world["admin"], fund=world["calls"]["open"].fund, code=f"T-MORE-{n}", budget=SMALL
        )
    with count_queries() as many:
        client.get("/api/v1/calls")
    assert many.count == few.count <= 4


def test_the_openapi_document_and_its_page(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/calls", "/api/v1/calls/{call_id}"} <= set(spec["paths"])
    error = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(error) == ["application/problem+json"]
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui-5.36.0/swagger-ui-bundle.js" in page
    assert 'data-spec-url="/api/v1/openapi.json"' in page
    assert client.get("/static/vendor/swagger-ui-5.36.0/swagger-ui-bundle.js").status_code == 200
