"""Checking in on a 375 px phone: the code's page in Chinese without an account, a volunteer's
check-in and check-out, the organisation's session page with its QR code — no CSP violation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from microventure.attendance import tokens
from microventure.attendance.models import AttendanceSession, CheckIn
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.projects.models import RecordStatus
from tests.helpers_browser import log_in, violations, watched  # noqa: F401
from tests.test_browser import fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def _running_session(app) -> tuple[int, int, str]:
    """The demo's session linked to a record still under review, moved to run now."""
    with app.app_context():
        session = next(
            s
            for s in db.session.scalars(select(AttendanceSession).order_by(AttendanceSession.id))
            if s.activity is not None and s.activity.status is RecordStatus.SUBMITTED
        )
        session.opens_at = utcnow() - timedelta(hours=1)
        session.closes_at = utcnow() + timedelta(hours=1)
        db.session.commit()
        found = session.id, session.project_id, tokens.make_token(session)
        db.session.remove()
        return found


def test_a_resident_checks_in_on_a_phone(watched, live_server):  # noqa: F811
    app, base = live_server
    session_id, _project_id, token = _running_session(app)
    page = watched
    page.goto(f"{base}/c/{token}")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("[data-testid=privacy]").is_visible()
    assert "不保存您的姓名" in page.locator("[data-testid=privacy]").inner_text()
    page.fill("#name", "陈阿姨")
    page.fill("#digits", "5566")
    assert fits_the_screen(page)
    page.locator("[data-testid=check-in]").click()
    page.wait_for_selector("[data-testid=checked-in]")
    assert fits_the_screen(page)
    # the same phone again, as someone else: refused (one check-in per phone)
    page.goto(f"{base}/c/{token}")
    page.fill("#name", "陈伯")
    page.fill("#digits", "7788")
    page.locator("[data-testid=check-in]").click()
    assert page.locator(".alert-danger").count() >= 1
    assert violations(page) == []
    with app.app_context():
        count = db.session.scalar(
            select(db.func.count()).select_from(CheckIn).where(CheckIn.session_id == session_id)
        )
        db.session.remove()
    assert count >= 1


def test_a_volunteer_checks_in_and_out_and_the_organisation_sees_the_code(browser, live_server):
    app, base = live_server
    _session_id, project_id, token = _running_session(app)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{base}/c/{token}?lang=en")
    page.check("input[name=kind][value=volunteer]")
    page.fill("#name", "Volunteer Wu")
    page.fill("#digits", "1357")
    page.locator("[data-testid=check-in]").click()
    page.wait_for_selector("[data-testid=checked-in]")
    page.goto(f"{base}/c/{token}")
    page.locator("[data-testid=check-out]").click()
    page.wait_for_selector("[data-testid=checked-out]")
    context.close()

    with app.app_context():
        session = db.session.scalar(
            select(AttendanceSession).where(AttendanceSession.project_id == project_id)
        )
        owner = next(m.user.email for m in session.project.organization.members if m.is_owner)
        session_id = session.id
        db.session.remove()
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in(page, base, owner)
    page.goto(f"{base}/projects/{project_id}/check-in/{session_id}")
    qr = page.locator("[data-testid=qr]")
    qr.wait_for()
    assert page.evaluate("document.querySelector('[data-testid=qr]').naturalWidth") > 0
    assert fits_the_screen(page)
    page.locator("[data-testid=rotate]").click()
    page.wait_for_selector(".alert-success")
    context.close()
