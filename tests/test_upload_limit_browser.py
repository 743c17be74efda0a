"""A file over the limit chosen in a real browser, through the real forms. With JavaScript off
the form sends it and the user sees the "file too large" page in their language, under the dev
server and under gunicorn; with JavaScript on, the page names the file before anything is sent —
on the application form (its own guard) and on any other form (upload-limit.js)."""

import pytest

from tests import helpers_browser
from tests.helpers_browser import gunicorn_serving, log_in, violations

pytestmark = [pytest.mark.browser, pytest.mark.no_transaction]

demo = helpers_browser.demo  # fixtures: the served demo app, a page that records CSP violations
watched = helpers_browser.watched
MB = 1024 * 1024


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "项目计划书.pdf"
    with path.open("wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(30 * MB)  # over the request limit (20 MB) and the file limit (10 MB)
    return path


@pytest.fixture(scope="module")
def servers(demo, tmp_path_factory):
    """The demo app under the dev server and, on the same database, under gunicorn."""
    config = demo.app.config
    with gunicorn_serving(
        tmp_path_factory.mktemp("gunicorn"),
        SQLALCHEMY_DATABASE_URI=config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_FOLDER=config["UPLOAD_FOLDER"],
        RATELIMIT_STORAGE_URI="memory://",
        WTF_CSRF_ENABLED=True,
    ) as gunicorn:
        yield {"dev server": demo.base, "gunicorn": gunicorn}


@pytest.fixture
def no_script(browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("server", ["dev server", "gunicorn"])
def test_without_javascript_the_file_too_large_page_is_shown(
    no_script, demo, servers, big_file, server
):
    page, base = no_script, servers[server]
    log_in(page, base, "applicant@demo.local")
    page.goto(f"{base}/applications/{demo.draft}/edit?lang=zh_CN")
    page.fill("#title", "长者智能手机课堂")
    page.set_input_files("input[type=file][name=file]", str(big_file))
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[value=upload]")
    assert answer.value.status == 413
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "文件过大"
    assert "上传文件超过大小限制" in page.content()
    page.goto(f"{base}/applications/{demo.draft}/edit?lang=en")  # the user's language
    page.set_input_files("input[type=file][name=file]", str(big_file))
    page.click("button[value=upload]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "File too large"


def test_with_javascript_the_page_refuses_the_file_before_sending_it(watched, demo, big_file):
    page = watched
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    log_in(page, demo.base, "applicant@demo.local")
    posts.clear()
    # the application form's own guard
    page.goto(f"{demo.base}/applications/{demo.draft}/edit?lang=zh_CN")
    page.set_input_files("input[type=file][name=file]", str(big_file))
    page.click("button[value=upload]")
    message = page.locator("[data-file-message]")
    assert "项目计划书.pdf 超过大小上限 10 MB" in message.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())  # "leave with unsaved changes?"
    client_side_only = list(posts)
    # any other form with a file: upload-limit.js (the reviewer import, as the district admin)
    page.context.clear_cookies()
    log_in(page, demo.base, "district@demo.local")
    posts.clear()
    page.goto(f"{demo.base}/admin/reviewers/import?lang=zh_CN")
    page.set_input_files("input[type=file]", str(big_file))
    feedback = page.locator("[data-upload-message]")
    assert feedback.is_visible()
    assert "项目计划书.pdf 超过大小上限 10 MB" in feedback.inner_text()
    page.locator("form:has(input[type=file]) button[type=submit]").first.click()
    page.wait_for_timeout(300)
    assert client_side_only == [] and posts == []  # nothing was sent
    assert violations(page) == []
