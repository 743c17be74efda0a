"""Every key page of every role in a real browser under the Content-Security-Policy: the header is
there, nothing on the page breaks it (no inline script, no on*= handler, no <style> block) and
the page's own scripts still work — repeatable rows and live budget totals, the score total, the
decision form, the photo counter, the call form's rubric total, the ranking's per-row scores."""

import re

import pytest

from tests import helpers_browser
from tests.helpers_browser import log_in, violations

demo = helpers_browser.demo  # fixtures: the served demo app and a page that records violations
watched = helpers_browser.watched

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def visit(page, url: str):
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    for directive in ("script-src 'self'", "frame-ancestors 'self'", "object-src 'none'"):
        assert directive in policy, (url, policy)
    page.wait_for_load_state("load")
    return response


def assert_clean(page, url: str) -> None:
    assert violations(page) == [], url
    assert [m for m in page.console_errors if "Uncaught" in m] == [], url


def test_the_policy_refuses_inline_code_and_the_test_sees_it(watched, demo):
    """The listener works: an injected script, on*= handler and <style> block are refused."""
    visit(watched, f"{demo.base}/auth/login")
    watched.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = 1";
          document.body.appendChild(script);
          const button = document.createElement("button");
          button.id = "planted";  // not "injected": an id is also a window property
          button.setAttribute("onclick", "window.clicked = 1");
          document.body.appendChild(button);
          const style = document.createElement("style");
          style.textContent = "body { display: none; }";
          document.head.appendChild(style);
        }"""
    )
    watched.click("#planted")
    watched.wait_for_timeout(100)
    assert watched.evaluate("window.injected === undefined && window.clicked === undefined")
    assert watched.locator("body").is_visible()
    refused = " ".join(violations(watched))
    assert "script-src" in refused and "style-src" in refused


def test_public_pages(watched, demo):
    for path in (
        "/",
        "/calls",
        f"/calls/{demo.open_call}",
        "/notices",
        f"/notices/{demo.noticed_call}",
        "/auth/login",
        "/auth/signup",
    ):
        visit(watched, demo.base + path)
        assert_clean(watched, path)
    # the menu button (Bootstrap's collapse) still opens the navigation on a phone
    visit(watched, demo.base + "/")
    watched.get_by_role("button", name="菜单").click()
    watched.wait_for_timeout(400)
    assert_clean(watched, "menu")


def test_the_applicants_application_form_and_activity_form(watched, demo):
    page = watched
    log_in(page, demo.base, "applicant@demo.local")
    visit(page, f"{demo.base}/applications/{demo.draft}/edit")
    budget = page.locator("#budget_lines")
    rows_before = budget.locator("[data-row]").count()
    budget.locator("[data-add-row]").click()  # rows.js
    assert budget.locator("[data-row]").count() == rows_before + 1
    row = budget.locator("[data-row]").last
    row.locator("input[name$='-unit_price']").fill("1200")
    row.locator("input[name$='-quantity']").fill("3")
    page.wait_for_function(  # application-form.js: the line's amount, live
        "() => [...document.querySelectorAll('#budget_lines [data-line-amount]')]"
        ".some(o => o.textContent.includes('3,600'))"
    )
    assert_clean(page, "application form")

    visit(page, f"{demo.base}/projects/{demo.project}")
    assert_clean(page, "project page")
    visit(page, f"{demo.base}/projects/{demo.project}/activities/new")
    counter = page.locator("[data-photo-count]")
    page.set_input_files(
        "input[name=photos]:not([data-camera])",
        files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"0" * 64}],
    )
    page.wait_for_function(  # activity-form.js counts the chosen photo
        "(el) => /1/.test(el.textContent)", arg=counter.element_handle()
    )
    assert_clean(page, "activity form")


def test_the_reviewers_score_form(watched, demo):
    page = watched
    log_in(page, demo.base, "reviewer1@demo.local")
    visit(page, f"{demo.base}/reviews")
    assert_clean(page, "reviews")
    visit(page, f"{demo.base}/reviews/{demo.assignment}")
    inputs = page.locator("[data-score-form] input[data-points]")
    for index in range(inputs.count()):
        inputs.nth(index).fill("1")
    total = page.locator("[data-score-total]")
    assert total.inner_text() == str(inputs.count())  # score-form.js adds them up
    assert_clean(page, "score form")


def test_the_admins_ranking_decisions_and_project_pages(watched, demo):
    page = watched
    log_in(page, demo.base, "district@demo.local")
    visit(page, f"{demo.base}/admin/calls/{demo.reviewed_call}/ranking")
    reviewer = page.locator("#ranking li[data-reviewer]").first
    assert not reviewer.is_visible()  # each reviewer's total is in a closed <details> ...
    page.locator("#ranking summary").first.click()
    assert reviewer.is_visible()  # ... until its row is opened, without a script
    assert_clean(page, "ranking")

    visit(page, f"{demo.base}/admin/calls/{demo.reviewed_call}/decisions")
    link = page.locator("a[data-decide]").first
    link.click()  # decisions.js opens the form under the row, without a request
    assert page.locator("#decide").is_visible()
    assert re.search(r"#decide$|decide=", page.url) or page.locator("#decide form").count()
    assert_clean(page, "decisions")

    for path in (
        "/admin/calls",
        "/admin/calls/new",
        "/admin/projects",
        f"/projects/{demo.project}",
        f"/admin/calls/{demo.noticed_call}/notice",
    ):
        visit(page, demo.base + path)
        assert_clean(page, path)
    visit(page, f"{demo.base}/admin/calls/new")
    total = page.locator("output[data-target='100']").first
    before = total.inner_text()
    page.locator("[data-sum-field] input[name$='-max_points']").first.fill("1")
    assert total.inner_text() != before  # call-form.js keeps the rubric total
    assert_clean(page, "call form")
