"""Accessibility in a real browser (WCAG 2.1 AA, which GB/T 37668-2019 follows): axe-core runs on
every key page of every role, at 375 px and 1280 px, in the standard and the elderly-friendly
mode (长辈模式); a serious or critical violation fails. In the elderly-friendly mode the body text
is at least 18 px and no page is wider than a phone. Screenshots of that mode at 375 px are saved
as test artifacts.

axe-core is vendored for the tests (tests/vendor/axe-core, from npm) and never served: it is
evaluated in the page by the browser's debugging protocol, which the page's CSP does not see."""

from pathlib import Path

import pytest

from tests import helpers_browser
from tests.helpers_browser import log_in, screenshot

demo = helpers_browser.demo  # the served demo app

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
WIDTHS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 800}}
# What axe found that matters here: WCAG 2.0 / 2.1 A and AA rules, serious or critical.
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""
BODY_PX = "() => parseFloat(getComputedStyle(document.body).fontSize)"


def key_pages(demo) -> dict[str | None, list[str]]:
    """Each role's key pages: the account (None: the public) and the paths it visits."""
    call, reviewed, noticed = demo.open_call, demo.reviewed_call, demo.noticed_call
    project = demo.project
    return {
        None: [
            "/",
            "/calls",
            f"/calls/{call}",
            "/notices",
            f"/notices/{noticed}",
            "/results",
            "/auth/login",
            "/auth/signup",
        ],
        "applicant@demo.local": [
            "/",
            "/applications",
            f"/applications/{demo.draft}/edit",
            "/projects",
            f"/projects/{project}",
            f"/projects/{project}/activities/new",
            "/inbox",
            "/profile",
        ],
        "reviewer1@demo.local": ["/", "/reviews", f"/reviews/{demo.assignment}"],
        "street@demo.local": ["/", "/admin/stats", "/admin/calls", "/admin/projects"],
        "district@demo.local": [
            "/",
            "/admin/stats",
            "/admin/stats?by=month",
            f"/admin/calls/{reviewed}/ranking",
            f"/admin/calls/{reviewed}/decisions",
            "/admin/calls/new",
            "/admin/funds",
            f"/projects/{project}",
            "/admin/activities",
        ],
    }


@pytest.fixture(scope="module")
def sessions(browser, demo) -> dict[str, dict]:
    """Each role logged in once (the login limit counts every attempt from this address)."""
    states = {}
    for who in key_pages(demo):
        if who:
            context = browser.new_context()
            log_in(context.new_page(), demo.base, who)
            states[who] = context.storage_state()
            context.close()
    return states


def audit(browser, demo, sessions, who: str | None, width: str, elder: bool) -> list[str]:
    """axe's serious and critical findings on ``who``'s key pages, and in the elderly-friendly
    mode a body smaller than 18 px or a page wider than the phone."""
    context = browser.new_context(viewport=WIDTHS[width], storage_state=sessions.get(who))
    if elder:
        context.add_cookies([{"name": "elder_mode", "value": "1", "url": demo.base}])
    page = context.new_page()
    found = []
    try:
        for path in key_pages(demo)[who]:
            response = page.goto(demo.base + path)
            assert response.status == 200, path
            page.wait_for_load_state("load")
            page.evaluate(AXE)
            found += [f"{path}: {v}" for v in page.evaluate(RUN_AXE)]
            if elder:
                assert page.evaluate("document.documentElement.classList.contains('elder')")
                if page.evaluate(BODY_PX) < 18:
                    found.append(f"{path}: body text under 18 px")
                if width == "phone":
                    if page.evaluate("document.documentElement.scrollWidth > innerWidth"):
                        found.append(f"{path}: wider than the phone")
                    name = path.strip("/").replace("/", "-").replace("?", "-") or "home"
                    screenshot(page, f"elder-375-{(who or 'public').split('@')[0]}-{name}")
    finally:
        context.close()
    return found


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(
    "who",
    [
        None,
        "applicant@demo.local",
        "reviewer1@demo.local",
        "street@demo.local",
        "district@demo.local",
    ],
    ids=["public", "applicant", "reviewer", "street-admin", "district-admin"],
)
def test_key_pages_have_no_serious_accessibility_violation(
    browser, demo, sessions, who, width, elder
):
    found = audit(browser, demo, sessions, who, width, elder)
    assert not found, "\n".join(found)
