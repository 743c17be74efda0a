"""The project, project list and fund ledger pages on a 375 px phone, with the demo data."""

import re

import pytest
from sqlalchemy import select

from microventure.extensions import db
from microventure.projects.models import Project
from tests.test_browser import fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def test_project_pages_and_the_ledger_fit_a_phone(phone, live_server):
    _app, base = live_server
    log_in(phone, base, "street@demo.local")
    phone.goto(f"{base}/admin/projects?lang=en")
    assert fits_the_screen(phone)
    links = phone.locator("tr[data-agreement] a")
    assert links.count() > 0, "the demo round has projects"
    links.first.click()
    phone.wait_for_url(re.compile(r".*/projects/\d+$"))
    assert phone.locator("#tranches").is_visible()
    assert fits_the_screen(phone)
    phone.goto(f"{base}/admin/funds")
    assert fits_the_screen(phone)
    phone.locator("[data-testid=funds] a.fw-semibold").first.click()
    assert fits_the_screen(phone)
    phone.locator("[data-testid=ledger-link]").click()
    phone.wait_for_url(re.compile(r".*/ledger$"))
    assert phone.locator("[data-agree=yes]").count() == 1
    assert fits_the_screen(phone)


def test_an_organisations_projects_fit_a_phone(phone, live_server):
    app, base = live_server
    with app.app_context():
        project = db.session.scalar(select(Project).order_by(Project.id))
        email = next(m.user.email for m in project.organization.members if m.is_owner)
        project_id = project.id
    log_in(phone, base, email)
    phone.goto(f"{base}/projects?lang=en")
    assert phone.locator(f"[data-project='{project_id}']").count() == 1
    assert fits_the_screen(phone)
    phone.goto(f"{base}/projects/{project_id}")
    assert phone.locator("[data-testid=admin-actions]").count() == 0
    assert fits_the_screen(phone)
