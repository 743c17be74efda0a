"""The bulk lists in a real browser under the Content-Security-Policy: the header checkbox ticks
every row of the page, a second submission while the first is on its way is stopped, and the
refused are named."""

import pytest

from tests import helpers_browser
from tests.helpers_browser import log_in, violations

demo = helpers_browser.demo  # fixtures: the served demo app and a page that records violations
watched = helpers_browser.watched

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

# Submits the bulk form twice in a row and says, for each, whether bulk.js stopped it (a
# listener added after bulk.js's sees its verdict, then keeps the page from navigating).
SUBMIT_TWICE = """() => {
  const form = document.querySelector("form[data-once]");
  const stopped = [];
  form.addEventListener("submit", (event) => {
    stopped.push(event.defaultPrevented);
    event.preventDefault();
  });
  const button = form.querySelector('[data-testid="act-ticked"]');
  form.requestSubmit(button);
  form.requestSubmit(button);
  return stopped;
}"""


def test_tick_all_submit_once_and_the_refused_named(watched, demo):
    page = watched
    log_in(page, demo.base, "district@demo.local")
    pending = f"{demo.base}/admin/organizations?status=pending"
    page.goto(pending)
    rows = page.locator('input[name="ids"]')
    count = rows.count()
    assert count >= 2
    page.check("input[data-check-all]")
    assert all(rows.nth(i).is_checked() for i in range(count))
    rows.nth(0).uncheck()
    assert page.evaluate("document.querySelector('input[data-check-all]').indeterminate")
    assert page.evaluate(SUBMIT_TWICE) == [False, True]  # the double click's second is stopped

    page.goto(pending)
    page.check("input[data-check-all]")
    with page.expect_navigation():
        page.click('[data-testid="act-ticked"]')
    done, refused = page.locator(".alert").all_inner_texts()
    assert str(count - 1) in done  # the demo's one with a failing credit code is named
    assert "GB 32100" in refused
    assert violations(page) == []
    page.goto(pending)
    [left] = page.locator("tr[data-organization] td:nth-child(2) a").all_inner_texts()
    assert left in refused
