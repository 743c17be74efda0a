"""A served app of its own with the demo data, for browser tests that change it (the shared
``live_server`` must stay as loaded): an applicant's draft on the open call, a reopened review,
and the ids the tests visit. Also a page that records Content-Security-Policy violations."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from microventure import create_app
from microventure.accounts.models import User
from microventure.applications import services as applications
from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.demo import load
from microventure.extensions import db
from microventure.projects.models import Project
from microventure.reviews import services as reviews
from microventure.reviews.models import Assignment, AssignmentStatus
from tests.conftest import build_schema

DEMO_PASSWORD = "demo-password"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Demo:
    app: object
    base: str
    open_call: int  # NC-2026-MCT, open now
    reviewed_call: int  # PY-2026-MCT, every review submitted
    noticed_call: int  # NC-2026-01, its notice published
    draft: int  # applicant@demo.local's draft on the open call
    assignment: int  # reviewer1's review on the reviewed call, reopened
    project: int  # applicant@demo.local's project


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _call(code: str) -> Call:
    return db.session.scalar(select(Call).where(Call.code == code))


def _prepare() -> dict:
    load()
    applicant, reviewer = _user("applicant@demo.local"), _user("reviewer1@demo.local")
    org = applicant.memberships[0].organization
    open_call, reviewed = _call("NC-2026-MCT"), _call("PY-2026-MCT")
    draft = applications.start_application(call=open_call, organization=org, actor=applicant)
    assignment = db.session.scalar(
        select(Assignment)
        .where(
            Assignment.reviewer_id == reviewer.id, Assignment.status == AssignmentStatus.SUBMITTED
        )
        .join(Assignment.application)
        .where(Application.call_id == reviewed.id)
        .order_by(Assignment.id)
        .limit(1)
    )
    reviews.reopen(assignment=assignment, actor=_user("district@demo.local"), reason="复核评分")
    project = db.session.scalar(
        select(Project.id).where(Project.organization_id == org.id).order_by(Project.id).limit(1)
    )
    db.session.commit()
    return {
        "open_call": open_call.id,
        "reviewed_call": reviewed.id,
        "noticed_call": _call("NC-2026-01").id,
        "draft": draft.id,
        "assignment": assignment.id,
        "project": project,
    }


def serve_demo(tmp_path_factory, **config):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}",
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("demo-uploads")),
        WTF_CSRF_ENABLED=True,
        **config,
    )
    build_schema(app)
    with app.app_context():
        facts = _prepare()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, Demo(app=app, base=f"http://127.0.0.1:{server.server_port}", **facts)


@contextmanager
def gunicorn_serving(folder: Path, **config):
    """The app built with ``config`` under gunicorn (one sync worker, as production runs it);
    yields its base URL."""
    (folder / "served.py").write_text(
        f"from microventure import create_app\napp = create_app('testing', **{config!r})\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "served:app"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    server, facts = serve_demo(tmp_path_factory)
    yield facts
    server.shutdown()


# Installed before any of the page's own scripts, in every document the page opens.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(browser):
    """A 375 px page that records CSP violations (``violations(page)``) and console errors."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def violations(page) -> list[str]:
    """What the policy refused on the current document, and every CSP complaint in the console."""
    refused = page.evaluate("window.__violations || []")
    console = [m for m in page.console_errors if "Content Security Policy" in m]
    return refused + console


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


# Screenshots kept as test artifacts: tests/artifacts/ (ignored by git) or TEST_ARTIFACTS_DIR.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR") or ROOT / "tests" / "artifacts")


def screenshot(page_or_element, name: str, *, full_page: bool = True) -> None:
    """Save ``name``.png among the artifacts (an element's screenshot is never full-page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    options = {"full_page": full_page} if hasattr(page_or_element, "goto") else {}
    page_or_element.screenshot(path=str(ARTIFACTS / f"{name}.png"), **options)
