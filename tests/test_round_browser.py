"""The round in a real browser (issue 15), on a server the test starts with the demo data, with
real clicks and typing, the applicant's steps at 375 px: an organisation signs up; the district
admin verifies it; the street admin creates a fund and records a donation; the organisation
starts an application to the open call, types its title and summary, uploads the project plan
and submits it; the street admin screens it eligible and gives it to a reviewer, who signs the
declaration and scores it; the street admin closes the call, applies the funding line,
publishes the notice and, the notice's window passed on the test's clock (its dates moved, no
sleeping), finalizes; the agreement is recorded and the first tranche paid; the organisation
records an activity with a photo and writes the mid-term report, and the street admin accepts
both; the dashboard shows the call's figures and the public pages the result. Screenshots of
each key page are saved as artifacts (tests/helpers_browser.ARTIFACTS); no page has a console
error or a CSP violation, none is wider than its screen.

Simplified: the demo's open call is used (the call is not created in the browser), and the
application's plan and budget are put in the draft by the service before the applicant types
the rest (tests/test_keyboard_browser.py types a whole application)."""

import re

import pytest

from tests import helpers_browser
from tests.conftest import valid_credit_code
from tests.helpers_browser import RECORD_VIOLATIONS, screenshot, violations
from tests.test_activities_support import jpeg

demo = helpers_browser.demo

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

ORG = "南村镇浏览器测试服务社"
OWNER = "round-owner@test.local"
PASSWORD = "round-password-1"


def _page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.set_default_timeout(15_000)
    return context, page


def _clean(page, name: str) -> None:
    page.wait_for_load_state("load")
    screenshot(page, f"round-{name}")
    assert violations(page) == [], name
    assert page.console_errors == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name


def _log_in(page, base: str, email: str, password: str = helpers_browser.DEMO_PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.locator("#email").press_sequentially(email)
    page.locator("#password").press_sequentially(password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _prefill(app, application_id: int) -> None:
    import dataclasses

    from sqlalchemy import select

    from microventure.accounts.models import User
    from microventure.applications import services as applications
    from microventure.applications.models import Application
    from microventure.calls.models import Domain
    from microventure.demo.review_round import _content
    from microventure.extensions import db

    with app.app_context():
        draft = db.session.get(Application, application_id)
        owner = db.session.scalar(select(User).where(User.email == OWNER))
        community = draft.organization.street.communities[0].id
        content = _content(
            draft.call, "长者智能手机课堂", Domain.SMART_ELDERLY_CARE, [community], 0
        )
        content = dataclasses.replace(content, title="", summary="")
        applications.save_draft(application=draft, actor=owner, content=content)
        db.session.commit()
        db.session.remove()


def _id(app, sql: str):
    from sqlalchemy import text

    from microventure.extensions import db

    with app.app_context():
        value = db.session.scalar(text(sql))
        db.session.remove()
    return value


def _notice_ended(app, call_id: int) -> None:
    from datetime import timedelta

    from sqlalchemy import text

    from microventure.core.timeutil import local_today, utcnow
    from microventure.extensions import db

    with app.app_context():
        db.session.execute(
            text(
                "UPDATE notices SET starts_on = :s, ends_on = :e, ends_at = :at WHERE call_id = :c"
            ),
            {
                "s": local_today() - timedelta(days=12),
                "e": local_today() - timedelta(days=2),
                "at": utcnow() - timedelta(days=1),
                "c": call_id,
            },
        )
        db.session.commit()
        db.session.remove()


def _today() -> str:
    from microventure.core.timeutil import local_today

    return local_today().isoformat()


def _log_out(page) -> None:
    page.click("form[action$='/auth/logout'] button")
    page.wait_for_load_state("load")


def test_the_round_in_a_browser(browser, demo):
    base = demo.base
    phone_context, phone = _page(browser, 375)
    desk_context, desk = _page(browser, 1280)
    try:
        # an organisation signs up on a phone, typing
        phone.goto(f"{base}/auth/signup")
        _clean(phone, "01-signup")
        for selector, text in [
            ("#owner_name", "王负责人"),
            ("#owner_email", OWNER),
            ("#owner_mobile", "13912345678"),
            ("#password", PASSWORD),
            ("#confirm", PASSWORD),
            ("#name", ORG),
            ("#credit_code", valid_credit_code()),
            ("#contact_name", "王联系"),
            ("#contact_mobile", "13912345678"),
        ]:
            phone.locator(selector).press_sequentially(text)
        phone.select_option("#kind", "social_service")
        phone.select_option("#street_id", label="南村镇")
        phone.click("main form button[type=submit]")
        phone.wait_for_url(f"{base}/organizations/*")
        organization_url = phone.url
        assert ORG in phone.locator("h1").inner_text()
        _clean(phone, "02-registered")

        # the district admin verifies it
        _log_in(desk, base, "district@demo.local")
        desk.goto(f"{base}/admin/organizations")
        _clean(desk, "03-organisations")
        desk.get_by_role("link", name=ORG).first.click()
        desk.wait_for_url(organization_url)
        desk.select_option("#verification select[name=status]", "verified")
        desk.locator("#verification textarea[name=reason]").press_sequentially("证书核对无误")
        desk.locator("#verification button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "04-verified")
        desk.click(
            "header form[action$='/auth/logout'] button, form[action$='/auth/logout'] button"
        )
        desk.wait_for_load_state("load")

        # the street admin creates a fund and records a donation into it
        _log_in(desk, base, "street@demo.local")
        desk.goto(f"{base}/admin/funds/new")
        desk.locator("#name").press_sequentially("南村镇浏览器测试基金")
        desk.locator("#description").press_sequentially("社区慈善捐赠")
        desk.click("main form button[type=submit]")
        desk.wait_for_url(f"{base}/admin/funds/*")
        _clean(desk, "05-fund")
        desk.locator("#donor").press_sequentially("爱心企业")
        desk.locator("#amount").press_sequentially("50000")
        desk.locator("#received_on").fill("2026-11-20")
        desk.locator("form[action$='/contributions'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        assert "50,000.00" in desk.locator("main").inner_text()
        _clean(desk, "06-donation")

        # the organisation sees itself verified, and the open call it may apply to
        phone.goto(organization_url)
        assert "已认证" in phone.locator("main").inner_text()
        _clean(phone, "07-organisation-verified")
        phone.goto(f"{base}/calls")
        _clean(phone, "08-calls")
        phone.goto(f"{base}/calls/{demo.open_call}")
        _clean(phone, "09-open-call")
        # and starts an application to it
        phone.get_by_test_id("apply").get_by_role("button").click()
        phone.wait_for_url(f"{base}/applications/*/edit")
        assert phone.locator("#title").is_visible()
        _clean(phone, "10-application-form")
        application_id = int(phone.url.rstrip("/").split("/")[-2])

        # the plan, the budget and the rest as a long form holds them (typing each budget line
        # adds nothing tests/test_keyboard_browser.py does not); the title and summary typed,
        # the project plan uploaded, then submitted
        _prefill(demo.app, application_id)
        phone.reload()
        phone.locator("#title").press_sequentially("长者智能手机课堂（浏览器）")
        phone.locator("#summary").press_sequentially("教社区长者用智能手机就医、缴费和视频通话。")
        phone.select_option("#kind", "project_plan")
        phone.set_input_files(
            "#file",
            files=[{"name": "计划书.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        phone.locator("button[value=upload]").click()
        phone.wait_for_load_state("load")
        assert "计划书.pdf" in phone.locator("main").inner_text()
        phone.locator("button[value=submit]").click()
        phone.wait_for_load_state("load")
        assert phone.url == f"{base}/applications/{application_id}", (
            phone.url,
            phone.locator(".alert, .invalid-feedback").all_inner_texts(),
        )
        _clean(phone, "11-submitted")

        # the street admin screens it: eligible
        desk.goto(f"{base}/applications/{application_id}")
        desk.locator(f"#screen-{application_id}-eligible").check()
        desk.get_by_role("button", name="保存资格审查结果").click()
        desk.wait_for_load_state("load")
        _clean(desk, "12-screened")
        phone.goto(f"{base}/applications/{application_id}")
        assert "资格审查" in phone.locator("main").inner_text()

        # the street admin gives it to a reviewer
        reviewer_id = _id(demo.app, "SELECT id FROM users WHERE email = 'reviewer1@demo.local'")
        call_id = _id(demo.app, f"SELECT call_id FROM applications WHERE id = {application_id}")
        desk.goto(f"{base}/admin/calls/{call_id}/assignments")
        while desk.locator(f"#reviewer-{application_id}").count() == 0:
            desk.locator("a[rel=next], .pagination a:has-text('下一页')").first.click()
            desk.wait_for_load_state("load")
        desk.select_option(f"#reviewer-{application_id}", str(reviewer_id))
        desk.locator(f"#application-{application_id} form button[type=submit]").last.click()
        desk.wait_for_load_state("load")
        _clean(desk, "13-assigned")
        assignment_id = _id(
            demo.app,
            f"SELECT id FROM assignments WHERE application_id = {application_id} "
            f"AND reviewer_id = {reviewer_id}",
        )
        _log_out(desk)

        # the reviewer signs the declaration and scores it
        _log_in(desk, base, "reviewer1@demo.local")
        desk.goto(f"{base}/reviews")
        _clean(desk, "14-reviews")
        desk.goto(f"{base}/reviews/{assignment_id}")
        desk.locator("form[action$='/declaration'] input[type=checkbox]").check()
        desk.locator("form[action$='/declaration'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "15-declared")
        for box in desk.locator("[data-points]").all():
            box.press_sequentially(box.get_attribute("data-max"))
        desk.locator("#comment").press_sequentially("需求清楚，方案可行。")
        desk.locator("input[name=recommendation][value=fund]").check()
        desk.locator("[data-score-form] details summary").click()
        desk.locator("button[value=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "16-scored")
        status = _id(demo.app, f"SELECT status FROM assignments WHERE id = {assignment_id}")
        assert status == "submitted", desk.locator(".alert, .invalid-feedback").all_inner_texts()
        _log_out(desk)

        # the street admin closes the call, applies the funding line and publishes the notice
        _log_in(desk, base, "street@demo.local")
        desk.goto(f"{base}/admin/calls/{call_id}")
        desk.get_by_role("button", name="提前截止…").click()
        desk.locator("form[action$='/close'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "17-closed")
        desk.goto(f"{base}/admin/calls/{call_id}/decisions")
        desk.locator("#bulk-reason").press_sequentially("排名在资金线以下")
        desk.locator("#bulk-form button[value=line]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "18-funding-line")
        outcome = _id(
            demo.app, f"SELECT outcome FROM decisions WHERE application_id = {application_id}"
        )
        assert outcome == "recommended", desk.locator(".alert").all_inner_texts()
        desk.goto(f"{base}/admin/calls/{call_id}/notice")
        desk.locator("form[action$='/notice/publish'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "19-notice")
        # the notice's window passes on the test's clock, not by sleeping
        _notice_ended(demo.app, call_id)
        desk.goto(f"{base}/admin/calls/{call_id}/notice")
        desk.locator("form[action$='/finalize'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "20-finalized")
        assert _id(demo.app, f"SELECT status FROM calls WHERE id = {call_id}") == "finalized", (
            desk.locator(".alert").all_inner_texts()
        )

        # the agreement recorded, the first tranche paid
        project_id = _id(
            demo.app, f"SELECT id FROM projects WHERE application_id = {application_id}"
        )
        desk.goto(f"{base}/projects/{project_id}")
        _clean(desk, "21-project")
        desk.locator("#sign input[type=date]").fill(_today())
        desk.set_input_files(
            "#sign input[type=file]",
            files=[{"name": "协议.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        desk.locator("#sign button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "22-signed")
        tranche = _id(
            demo.app,
            f"SELECT min(id) FROM tranches WHERE project_id = {project_id} AND status = 'due'",
        )
        desk.locator(f"#pay-{tranche} input[type=date]").fill(_today())
        desk.locator(f"#pay-{tranche} input[name$=reference]").press_sequentially("转账-0001")
        desk.locator(f"#pay-{tranche} button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "23-paid")
        paid = _id(demo.app, f"SELECT status FROM tranches WHERE id = {tranche}")
        assert paid == "paid", desk.locator(".alert, .invalid-feedback").all_inner_texts()

        # the organisation records an activity with a photo, on the phone
        phone.goto(f"{base}/projects/{project_id}/activities/new")
        _clean(phone, "24-activity-form")
        phone.locator("#held_on").fill(_today())
        phone.locator("#title").press_sequentially("长者智能手机课堂第一期")
        phone.locator("#participants").press_sequentially("30")
        phone.locator("#description").press_sequentially("志愿者一对一教长者线上挂号。")
        phone.set_input_files(
            "#photos", files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
        )
        phone.locator("main form button[type=submit]").last.click()
        phone.wait_for_load_state("load")
        _clean(phone, "25-activity-recorded")
        activity = _id(
            demo.app, f"SELECT max(id) FROM activity_records WHERE project_id = {project_id}"
        )
        assert activity, phone.locator(".alert, .invalid-feedback").all_inner_texts()

        # the street admin accepts it
        desk.goto(f"{base}/projects/{project_id}/activities/{activity}")
        desk.locator("form[action$='/accept'] button[type=submit]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "26-activity-accepted")
        accepted = _id(demo.app, f"SELECT status FROM activity_records WHERE id = {activity}")
        assert accepted == "accepted", desk.locator(".alert, .invalid-feedback").all_inner_texts()

        # the organisation writes the mid-term report on the phone; the street admin accepts it
        phone.goto(f"{base}/projects/{project_id}/reports/midterm")
        _clean(phone, "27-report-form")
        phone.locator("#narrative").press_sequentially("已开展第一期课堂，长者反响良好。")
        for row in phone.locator("[data-indicator]").all():
            row.locator("input").first.press_sequentially("15")
        phone.locator("#self_assessment").press_sequentially("按计划推进。")
        phone.locator("#report-form button[value=submit]").click()
        phone.wait_for_load_state("load")
        _clean(phone, "28-report-submitted")
        report = _id(
            demo.app,
            f"SELECT status FROM reports WHERE project_id = {project_id} AND kind = 'midterm'",
        )
        assert report == "submitted", phone.locator(".alert, .invalid-feedback").all_inner_texts()
        desk.goto(f"{base}/projects/{project_id}/reports/midterm")
        desk.locator("#review textarea").first.press_sequentially("同意")
        desk.locator("#review button[value=accept]").click()
        desk.wait_for_load_state("load")
        _clean(desk, "29-report-accepted")
        report = _id(
            demo.app,
            f"SELECT status FROM reports WHERE project_id = {project_id} AND kind = 'midterm'",
        )
        assert report == "accepted", desk.locator(".alert, .invalid-feedback").all_inner_texts()

        # the figures: the street's dashboard and the public results page
        desk.goto(f"{base}/admin/stats")
        desk.select_option("#f-call", str(call_id))
        desk.locator("[data-testid=filters] button[type=submit]").click()
        desk.wait_for_load_state("load")
        headlines = desk.get_by_test_id("headlines").inner_text()
        # this round's call: one application, one project, its one accepted activity of 30
        for label, figure in (
            ("已收到申报", "1"),
            ("立项项目", "1"),
            ("开展活动", "1"),
            ("参与人次", "30"),
        ):
            assert re.search(rf"{label}\s+{figure}\b", headlines), headlines
        _clean(desk, "30-dashboard")
        phone.goto(f"{base}/results")
        _clean(phone, "31-results")
        phone.goto(f"{base}/notices/{call_id}")
        assert "长者智能手机课堂（浏览器）" in phone.locator("main").inner_text()
        _clean(phone, "32-public-notice")
    finally:
        phone_context.close()
        desk_context.close()
