"""What a person sees, on the demo data in a real browser: the ranking fits a 1280 px screen with
the figures that decide in view and its reference column in place when it scrolls; on a 375 px
phone the lists (projects, tranches, an application's activity plan and budget) are cards with
every key figure on the screen, and no page is wider than the phone.

Screenshots of the ranking at 1280 px and of the projects list, a project and the application
form at 375 px are saved as test artifacts: in tests/artifacts/ (ignored by git), or in the
folder named by TEST_ARTIFACTS_DIR."""

import pytest
from sqlalchemy import select

from microventure.accounts.models import User
from microventure.applications import services as applications
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Domain
from microventure.demo.review_round import _content
from microventure.extensions import db
from tests import helpers_browser
from tests.helpers_browser import log_in, screenshot

demo = helpers_browser.demo  # the served demo app, with an applicant's draft on the open call

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Each element matching the selector is displayed, and lies wholly within the viewport's width
# (not cut off by the page's edge nor by a table scrolled sideways): the offending ones.
OFF_SCREEN = """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
  const box = el.getBoundingClientRect();
  return !(box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= innerWidth + 0.5);
}).map((el) => el.outerHTML.slice(0, 120))"""
# How many lines the element's own text takes ("50%" on one line, not one character per line).
LINES = """(el) => { const range = document.createRange(); range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size; }"""


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def off_screen(page, selector: str) -> list[str]:
    assert page.locator(selector).count() > 0, f"nothing matches {selector}"
    return page.evaluate(OFF_SCREEN, selector)


@pytest.fixture(scope="module")
def pages(demo):
    """The ids the tests visit: an application the applicant submitted on the reviewed call,
    and the applicant's draft given a whole application's content."""
    with demo.app.app_context():
        draft = db.session.get(Application, demo.draft)
        applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.local"))
        community = [draft.organization.community_id] if draft.organization.community_id else []
        content = _content(draft.call, "长者智能手机课堂", Domain.SMART_ELDERLY_CARE, community, 0)
        applications.save_draft(application=draft, actor=applicant, content=content)
        submitted = db.session.scalar(
            select(Application.id)
            .where(
                Application.organization_id == draft.organization_id,
                Application.call_id == demo.reviewed_call,
                Application.status != ApplicationStatus.DRAFT,
            )
            .order_by(Application.id)
            .limit(1)
        )
        db.session.commit()
        db.session.remove()
    return {"submitted": submitted, "draft": demo.draft}


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(viewport):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def test_the_ranking_fits_a_screen_and_keeps_its_rows_named(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, demo.base, "district@demo.local")
    page.goto(f"{demo.base}/admin/calls/{demo.reviewed_call}/ranking")
    assert page.locator("#ranking tbody tr").count() == 10
    # the whole table within the content column: nothing to scroll sideways
    assert page.evaluate("document.querySelector('main').scrollWidth <= innerWidth")
    assert page.evaluate(
        "(el) => el.scrollWidth <= el.clientWidth", page.locator("#ranking-scroll").element_handle()
    )
    for key in ("rank", "reference", "aggregate", "normalised", "spread", "recommendations"):
        assert off_screen(page, f"#ranking th[data-col={key}]") == [], key
    assert off_screen(page, "#ranking [data-testid=disagreement]") == []
    # the demo's reviewers suggest amounts: a mean, and how many suggested one, on every row
    counts = page.locator("#ranking td .n").all_inner_texts()
    assert len(counts) == 10 and all("人建议" in c for c in counts)
    # each reviewer's total is one click away, in its row
    reviewer = page.locator("#ranking tbody tr").first.locator("li[data-reviewer]").first
    assert not reviewer.is_visible()
    page.locator("#ranking tbody tr").first.locator("summary").click()
    assert reviewer.is_visible()
    screenshot(page, "ranking-1280")
    page.goto(f"{demo.base}/admin/calls/{demo.reviewed_call}/ranking?lang=en")  # longer words
    assert page.evaluate(
        "(el) => el.scrollWidth <= el.clientWidth", page.locator("#ranking-scroll").element_handle()
    )
    page.goto(f"{demo.base}/?lang=zh_CN")

    phone = open_page(PHONE)
    log_in(phone, demo.base, "district@demo.local")
    phone.goto(f"{demo.base}/admin/calls/{demo.reviewed_call}/ranking")
    assert fits(phone)
    scroller = phone.locator("#ranking-scroll").element_handle()
    assert phone.evaluate("(el) => el.scrollWidth > el.clientWidth", scroller)  # it scrolls …
    edge = phone.locator("#ranking-scroll").bounding_box()["x"]
    row = phone.locator("#ranking tbody tr").first
    phone.evaluate("(el) => { el.scrollLeft = 400; }", scroller)
    # the other cells went by, the reference and title stayed at the table's left edge
    assert row.locator("td").first.bounding_box()["x"] < edge - 300
    assert abs(row.locator("th.l").bounding_box()["x"] - edge) < 1
    assert phone.locator("#ranking thead th.l").bounding_box()["x"] == pytest.approx(edge, abs=1)
    screenshot(phone, "ranking-375-scrolled")


def test_the_projects_list_and_a_project_are_cards_on_a_phone(demo, open_page):
    page = open_page(PHONE)
    log_in(page, demo.base, "street@demo.local")
    page.goto(f"{demo.base}/admin/projects")
    assert fits(page)
    rows = page.locator("[data-testid=projects] tbody tr[data-agreement]")
    assert rows.count() > 0
    for figure in ("grant", "paid", "due", "to-review", "status"):
        assert off_screen(page, f"[data-testid=projects] [data-testid={figure}]") == [], figure
    # each figure carries its column's name on a card
    assert rows.first.locator("[data-testid=status]").get_attribute("data-label") == "状态"
    screenshot(page, "projects-375")

    page.goto(f"{demo.base}/projects/{demo.project}")
    assert fits(page)
    assert off_screen(page, "[data-testid=tranches] [data-testid=percent]") == []
    assert off_screen(page, "[data-testid=tranches] [data-testid=status]") == []
    for cell in page.locator("[data-testid=tranches] [data-testid=percent]").element_handles():
        assert page.evaluate(LINES, cell) == 1, cell.inner_text()
    screenshot(page, "project-375")


def test_an_applications_plan_and_budget_and_its_form_on_a_phone(demo, pages, open_page):
    page = open_page(PHONE)
    log_in(page, demo.base, "applicant@demo.local")
    page.goto(f"{demo.base}/applications/{pages['submitted']}")
    assert fits(page)
    assert off_screen(page, "[data-testid=activities] [data-testid=participants]") == []
    assert off_screen(page, "[data-testid=budget] [data-testid=source]") == []

    page.goto(f"{demo.base}/applications/{pages['draft']}/edit")
    assert fits(page)
    assert page.locator("form input[name='title']").input_value() == "长者智能手机课堂"
    screenshot(page, "application-form-375")


def test_the_wide_tables_are_still_tables_on_a_wider_screen(demo, pages, open_page):
    page = open_page({"width": 1024, "height": 800})
    log_in(page, demo.base, "applicant@demo.local")
    page.goto(f"{demo.base}/applications/{pages['submitted']}")
    assert page.locator("[data-testid=budget] thead").is_visible()
    row = page.locator("[data-testid=budget] tbody tr").first.element_handle()
    assert page.evaluate("(el) => getComputedStyle(el).display", row) == "table-row"
