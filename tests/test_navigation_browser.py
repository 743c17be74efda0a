"""The district admin's navigation at 1280 px, in a real browser: one line, clear of the edge,
its menus opening (Bootstrap's dropdown, no inline script), and no 404 for the favicon."""

import pytest

from tests.test_browser import fits_the_screen, log_in

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    yield context.new_page()
    context.close()


def _bar(page) -> dict:
    """The tops of the bar's items and how far the last one stays from the window's edge."""
    return page.evaluate(
        """() => {
          const items = [...document.querySelectorAll('#nav > ul > li')];
          const tops = new Set(items.map(li => Math.round(li.getBoundingClientRect().top)));
          const last = items[items.length - 1].getBoundingClientRect();
          return {rows: tops.size, gap: window.innerWidth - last.right, count: items.length};
        }"""
    )


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_district_admins_bar_fits_one_line_at_1280(desktop, live_server, lang):
    _app, base = live_server
    missing = []
    desktop.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    log_in(desktop, base, "district@demo.local")
    desktop.goto(f"{base}/?lang={lang}")
    try:
        _check_the_bar(desktop, base)
    finally:
        desktop.goto(f"{base}/?lang=zh_CN")  # the account's language, as other tests expect it
    assert missing == []  # the favicon too


def _check_the_bar(desktop, base) -> None:
    bar = _bar(desktop)
    assert bar["rows"] == 1, bar
    assert bar["gap"] >= 16, bar  # 退出登录 no longer touches the edge
    assert fits_the_screen(desktop)
    desktop.get_by_test_id("nav-admin").get_by_role("button").click()
    link = desktop.get_by_test_id("nav-admin").get_by_role("link").nth(1)
    assert link.is_visible()
    link.click()
    desktop.wait_for_url(f"{base}/admin/users")
    assert desktop.locator("h1").count() == 1
