"""The public notice on a 375 px phone, logged out, in a real browser with CSRF on: read it and
lodge an objection; and the admin's decisions page on the same phone."""

import threading

import pytest
from werkzeug.serving import make_server

from microventure import create_app
from microventure.extensions import db
from tests.conftest import PASSWORD, Factory, build_schema
from tests.test_notice_public import notice_world

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """An app of its own (its own database) holding one open notice."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('notice') / 'n.sqlite'}",
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=True,
    )
    build_schema(app)
    with app.app_context():
        world = notice_world(Factory(), code="PHONE-2026")
        facts = {
            "call_id": world["call"].id,
            "admin": world["admin"].email,
            "first": world["applications"][0].reference,
        }
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", facts
    server.shutdown()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_objects_from_a_phone(phone, served):
    app, base, facts = served
    phone.goto(f"{base}/notices")
    assert fits_the_screen(phone)
    phone.click(f"a[href='/notices/{facts['call_id']}']")
    phone.wait_for_url(f"{base}/notices/{facts['call_id']}")
    assert fits_the_screen(phone)
    assert phone.locator("h1").count() == 1
    projects = phone.get_by_test_id("projects")
    assert projects.locator(f"tr[data-reference='{facts['first']}']").is_visible()
    # a refusal keeps what was typed
    phone.fill("#name", "张居民")
    phone.fill("#text", "该项目去年已经做过，重复申报。")
    phone.click("#objection button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("#contact.is-invalid").count() == 1
    assert phone.input_value("#text") == "该项目去年已经做过，重复申报。"
    assert fits_the_screen(phone)
    phone.fill("#contact", "13912345678")
    phone.select_option("#application_id", index=1)
    phone.click("#objection button[type=submit]")
    phone.wait_for_url(f"{base}/notices/{facts['call_id']}")
    assert phone.locator(".alert-success").count() == 1  # the thanks, in whichever language
    assert fits_the_screen(phone)
    with app.app_context():
        from microventure.decisions.models import Objection

        stored = db.session.scalars(db.select(Objection.text)).all()
        db.session.remove()
    assert stored == ["该项目去年已经做过，重复申报。"]


def test_the_decisions_page_fits_a_phone(phone, served):
    _app, base, facts = served
    phone.goto(f"{base}/auth/login")
    phone.fill("#email", facts["admin"])
    phone.fill("#password", PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_url(f"{base}/")
    for path in ("decisions", "notice"):
        phone.goto(f"{base}/admin/calls/{facts['call_id']}/{path}")
        assert phone.locator("h1").count() == 1
        assert fits_the_screen(phone), path
