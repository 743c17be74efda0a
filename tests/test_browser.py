"""The real thing in a real browser: Chinese login page, each role's navigation, 375 px phones."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page, base, email):
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", "demo-password")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_login_page_is_chinese_and_fits_a_phone(phone, live_server):
    _app, live_server = live_server
    phone.goto(f"{live_server}/auth/login")
    assert phone.locator("h1").inner_text() == "登录"  # even though the browser asks for English
    assert fits_the_screen(phone)
    phone.goto(f"{live_server}/auth/login?lang=en")
    assert phone.locator("h1").inner_text() == "Log in"


@pytest.mark.parametrize(
    ("email", "menu", "item"),
    [
        ("district@demo.local", "系统管理", "用户与角色"),
        ("street@demo.local", None, "本镇街机构"),
        ("applicant@demo.local", None, "我的机构"),
    ],
)
def test_each_role_sees_its_navigation_on_a_phone(phone, live_server, email, menu, item):
    _app, live_server = live_server
    log_in(phone, live_server, email)
    nav = phone.get_by_test_id("role-nav")
    assert not nav.is_visible()  # collapsed behind the menu button at 375 px
    phone.get_by_role("button", name="菜单").click()
    if menu:  # grouped under a menu of its own
        nav.get_by_role("button", name=menu).click()
    nav.get_by_text(item).click()
    phone.wait_for_load_state()
    assert fits_the_screen(phone)
    assert phone.locator("h1").count() == 1


def test_signup_form_keeps_what_was_typed_after_an_error(phone, live_server):
    _app, live_server = live_server
    phone.goto(f"{live_server}/auth/signup")
    assert fits_the_screen(phone)
    phone.fill("#owner_name", "测试")
    phone.fill("#owner_email", "district@demo.local")  # taken
    phone.fill("#password", "a-long-password")
    phone.fill("#confirm", "a-long-password")
    phone.fill("#name", "浏览器测试机构")
    phone.fill("#description", "写了很多字的机构简介")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".invalid-feedback").first.is_visible()
    assert phone.input_value("#name") == "浏览器测试机构"
    assert phone.input_value("#description") == "写了很多字的机构简介"
