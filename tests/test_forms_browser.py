"""The long forms on a 375 px phone in a real browser, under the Content-Security-Policy: the
communities and a reviewer's applications ticked in checkbox lists (a thumb, no Ctrl), a month
typed as 2027年3月, and "Check" listing every problem without submitting, with the index of
sections leading to each. Screenshots of the application form are kept among the test artifacts."""

import pytest

from tests import helpers_browser
from tests.helpers_browser import log_in, screenshot, violations

demo = helpers_browser.demo  # fixtures: the served demo app and a 375 px page that records CSP
watched = helpers_browser.watched

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_clean(page) -> None:
    assert violations(page) == []
    assert [m for m in page.console_errors if "Uncaught" in m] == []


def row_heights(check_list) -> list[float]:
    return check_list.evaluate(
        "ul => [...ul.querySelectorAll('li:not(.check-list-group)')]"
        ".map(li => li.getBoundingClientRect().height)"
    )


def test_the_application_form_on_a_phone_ticks_types_a_month_and_checks(watched, demo):
    page = watched
    log_in(page, demo.base, "applicant@demo.local")
    page.goto(f"{demo.base}/applications/{demo.draft}/edit")
    assert fits_the_screen(page)
    screenshot(page, "application-form-guide-375")

    # The index of sections comes first on a phone, each with what it still needs.
    index = page.get_by_test_id("section-index")
    assert index.is_visible()
    assert index.locator("li").count() == 8
    assert index.locator("li[data-section='section-basics']").get_attribute("data-missing") != "0"

    # Communities: a list of checkboxes, each row big enough for a thumb, ticked by its label.
    communities = page.locator("ul#community_ids.check-list")
    assert communities.is_visible()
    assert page.locator("select[multiple]").count() == 0
    assert min(row_heights(communities)) >= 44
    labels = communities.locator("label")
    assert labels.count() >= 2
    labels.nth(0).click()
    labels.nth(1).click()
    assert communities.locator("input:checked").count() == 2
    assert fits_the_screen(page)

    # A month typed the way people write it (Chromium's month picker could not be typed into).
    page.fill("#title", "长者智能手机课堂")
    page.fill("#activities-0-name", "智能手机课堂")
    page.fill("#activities-0-month", "2027年3月")
    page.fill("#activities-0-sessions", "10")
    page.fill("#activities-0-participants", "200")

    page.get_by_test_id("check").click()
    page.wait_for_load_state("load")
    problems = page.get_by_test_id("problems")
    assert problems.is_visible()
    assert "尚不能提交" in problems.inner_text()
    assert int(problems.get_attribute("data-count")) >= 5
    assert page.input_value("#activities-0-month") == "2027-03"  # saved, as the server read it
    assert page.input_value("#title") == "长者智能手机课堂"
    assert page.locator("ul#community_ids input:checked").count() == 2
    assert page.locator("h1").inner_text().startswith("长者智能手机课堂")  # saved, not submitted
    assert fits_the_screen(page)
    screenshot(page, "application-form-checked-375")

    # A problem's link and the index lead to their place on the long page.
    problems.locator("a[href='#summary']").click()
    page.wait_for_function("() => location.hash === '#summary'")
    page.get_by_test_id("section-index").locator("a[href='#budget']").click()
    page.wait_for_function(  # Bootstrap scrolls smoothly
        "() => location.hash === '#budget'"
        " && Math.abs(document.getElementById('budget').getBoundingClientRect().top) < 80"
    )
    assert_clean(page)


def test_a_reviewers_applications_are_ticked_on_a_phone(watched, demo):
    page = watched
    log_in(page, demo.base, "district@demo.local")
    page.goto(f"{demo.base}/admin/calls/{demo.reviewed_call}/assignments")
    several = page.locator("#give-several")
    several.scroll_into_view_if_needed()
    applications = several.locator("ul#application_ids.check-list")
    assert applications.is_visible()
    assert several.locator("select[multiple]").count() == 0
    boxes = applications.locator("input[type=checkbox]")
    assert boxes.count() >= 3
    assert min(row_heights(applications)) >= 44
    # many applications: the list scrolls in its own frame, the page stays a phone's width
    assert applications.evaluate("ul => ul.scrollHeight > ul.clientHeight")
    applications.locator("label").nth(0).click()
    applications.locator("label").nth(2).click()
    assert boxes.nth(0).is_checked() and not boxes.nth(1).is_checked() and boxes.nth(2).is_checked()
    assert fits_the_screen(page)
    screenshot(several, "assignments-several-375")

    # Sent without a reviewer: refused, the ticks kept.
    several.get_by_role("button", name="分配").click()
    page.wait_for_load_state("load")
    kept = page.locator("ul#application_ids input:checked")
    assert kept.count() == 2
    assert fits_the_screen(page)
    assert_clean(page)
