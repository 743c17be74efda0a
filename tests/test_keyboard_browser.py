"""With the keyboard only, in a real browser: an applicant completes and submits an application,
and a resident lodges an objection to a public notice. Every control reached is visible with a
focus ring; a refused form says so to a screen reader (``aria-invalid``, the message tied to its
field by ``aria-describedby``) and keeps what was typed. The pointer is never used: only Tab,
Shift+Tab, typing, arrow keys, Space and Enter."""

import dataclasses

import pytest
from sqlalchemy import select

from microventure.accounts.models import User
from microventure.applications import services as applications
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Domain
from microventure.demo.review_round import _content
from microventure.extensions import db
from tests import helpers_browser
from tests.helpers_browser import DEMO_PASSWORD
from tests.test_notice_phone import served  # noqa: F401  (a served app with an open notice)

demo = helpers_browser.demo

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

# The focused element, whether it is on the screen, and whether a focus ring is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    id: el.id, name: el.getAttribute("name"), tag: el.tagName, text: el.textContent.trim(),
    value: el.getAttribute("value"),
    visible: box.width > 0 && box.height > 0,
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
  };
}"""


def tab_to(page, matches, *, limit: int = 400) -> dict:
    """Press Tab until the focused element ``matches``; it must be visible with a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if matches(focused):
            assert focused["visible"] and focused["ring"], focused
            return focused
    raise AssertionError("not reached with Tab")


def by_id(id_: str):
    return lambda f: f["id"] == id_


def submit_button(focused: dict) -> bool:
    return focused["tag"] == "BUTTON" and focused["value"] == "submit"


def send_objection(focused: dict) -> bool:
    return focused["tag"] == "BUTTON" and "异议" in focused["text"]


def send(page) -> None:
    """Enter on the focused control, and the page it leads to loaded."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.fixture
def keyboard_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def log_in_by_keyboard(page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/login")
    tab_to(page, by_id("email"))
    page.keyboard.type(email)
    tab_to(page, by_id("password"))
    page.keyboard.type(DEMO_PASSWORD)
    send(page)
    assert page.url == f"{base}/"


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(keyboard_page, demo):
    page = keyboard_page
    page.goto(f"{demo.base}/calls")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["text"] == "跳到正文" and first["visible"] and first["ring"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the next stop is in the page's content, past the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_an_applicant_completes_and_submits_an_application(keyboard_page, demo):
    """Everything the form asks but the title and the summary is already in the draft (typing
    every budget line by keyboard adds nothing); those two are typed."""
    with demo.app.app_context():
        draft = db.session.get(Application, demo.draft)
        applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.local"))
        community = [draft.organization.community_id] if draft.organization.community_id else []
        content = _content(draft.call, "键盘填写的项目", Domain.SMART_ELDERLY_CARE, community, 0)
        content = dataclasses.replace(content, title="", summary="")
        applications.save_draft(application=draft, actor=applicant, content=content)
        db.session.commit()
        db.session.remove()
    page = keyboard_page
    log_in_by_keyboard(page, demo.base, "applicant@demo.local")
    page.goto(f"{demo.base}/applications/{demo.draft}/edit")

    # submitted without a title: refused, the message tied to the field, the rest kept
    tab_to(page, submit_button)
    send(page)
    title = page.locator("#title")
    assert title.get_attribute("aria-invalid") == "true"
    described = title.get_attribute("aria-describedby").split()
    assert "title-error" in described and page.locator("#title-error").is_visible()
    assert page.locator("#budget_lines [data-row]").count() >= 1  # nothing lost

    tab_to(page, by_id("title"))
    page.keyboard.type("长者智能手机课堂（键盘）")
    tab_to(page, by_id("summary"))
    page.keyboard.type("教社区长者用智能手机就医、缴费和视频通话。")
    # the project plan the call asks for: its kind chosen and uploaded by keyboard
    tab_to(page, by_id("kind"))
    page.keyboard.press("Home")  # the registration certificate ...
    page.keyboard.press("ArrowDown")  # ... then the project plan
    assert page.input_value("#kind") == "project_plan"
    tab_to(page, by_id("file"))
    # the operating system's file dialog is not the page's: the file is given to the focused
    # input as that dialog would give it
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "计划书.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            }
        ],
    )
    assert page.evaluate("document.activeElement.id") == "file"
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["value"] == "upload")
    send(page)
    assert "计划书.pdf" in page.locator("main").inner_text()

    tab_to(page, submit_button)
    send(page)
    with demo.app.app_context():
        submitted = db.session.get(Application, demo.draft)
        state, title_now = submitted.status, submitted.title
        db.session.remove()
    assert state is ApplicationStatus.SUBMITTED, page.locator("main").inner_text()[:800]
    assert title_now == "长者智能手机课堂（键盘）"


def test_a_resident_lodges_an_objection(keyboard_page, served):  # noqa: F811
    app, base, facts = served
    page = keyboard_page
    page.goto(f"{base}/notices/{facts['call_id']}")
    tab_to(page, by_id("name"))
    page.keyboard.type("李居民")
    tab_to(page, by_id("text"))
    page.keyboard.type("项目预算中场地费偏高。")
    tab_to(page, send_objection)
    send(page)
    contact = page.locator("#contact")  # no contact given: refused, and said where
    assert contact.get_attribute("aria-invalid") == "true"
    assert "contact-error" in contact.get_attribute("aria-describedby").split()
    assert page.input_value("#text") == "项目预算中场地费偏高。"

    tab_to(page, by_id("application_id"))
    page.keyboard.press("ArrowDown")  # the first project
    tab_to(page, by_id("contact"))
    page.keyboard.type("13912345678")
    tab_to(page, send_objection)
    send(page)
    assert page.url == f"{base}/notices/{facts['call_id']}"
    assert page.locator(".alert-success").count() == 1
    with app.app_context():
        from microventure.decisions.models import Objection

        stored = db.session.scalars(select(Objection.text)).all()
        db.session.remove()
    assert "项目预算中场地费偏高。" in stored
