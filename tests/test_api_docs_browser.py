"""The API's documentation page in a real browser under the Content-Security-Policy: Swagger UI
(vendored) draws every operation of the live OpenAPI document under its readable tag, breaks
no directive, and "Try it out" calls the API from the page."""

import pytest

from tests import helpers_browser
from tests.helpers_browser import violations

watched = helpers_browser.watched

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

TAGS = ("Calls", "Notices", "Funded projects", "Results")


def test_swagger_ui_draws_the_operations_under_the_policy(watched, live_server):
    _app, base = live_server
    spec = watched.request.get(f"{base}/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    response = watched.goto(f"{base}/api/v1/docs")
    assert response.status == 200
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy, policy
    watched.wait_for_selector(".opblock", timeout=15_000)
    drawn = {
        f"{block.locator('.opblock-summary-method').inner_text().strip()} "
        f"{block.locator('.opblock-summary-path').get_attribute('data-path')}"
        for block in watched.locator(".opblock").all()
    }
    assert drawn == operations and len(drawn) >= 6
    headings = [h.inner_text().strip() for h in watched.locator(".opblock-tag").all()]
    for tag in TAGS:
        assert any(h.startswith(tag) for h in headings), headings
    assert "api_calls" not in " ".join(headings)

    # an operation's "Try it out": the request leaves the page and its answer is shown
    calls = watched.locator("#operations-Calls-get_api_v1_calls, .opblock-get").first
    calls.locator(".opblock-summary").click()
    calls.locator("button.try-out__btn").click()
    calls.locator("button.execute").click()
    status = calls.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=10_000)
    assert status.inner_text().strip().startswith("200")
    assert "NC-2026-MCT" in calls.locator(".live-responses-table").inner_text()

    assert violations(watched) == []
    assert [m for m in watched.console_errors if "Uncaught" in m or "Refused" in m] == []
