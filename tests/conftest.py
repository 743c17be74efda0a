"""Test fixtures: one database per run built by the migrations, each test in a rolled-back
transaction (SAVEPOINTs let the code under test commit), factories and a query counter."""

import itertools
import os
from contextlib import contextmanager
from datetime import date

import flask_migrate
import pytest
from argon2 import PasswordHasher
from flask import g, request_started
from flask.testing import FlaskClient
from sqlalchemy import event, text

from microventure import create_app
from microventure.accounts import passwords, services
from microventure.accounts.credit_code import check_character
from microventure.accounts.models import (
    Community,
    CommunityKind,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Street,
    StreetKind,
    VerificationStatus,
)
from microventure.core import workdays
from microventure.extensions import db

PASSWORD = "correct-horse"


def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )


def build_schema(app) -> None:
    """Empty the database, then run every migration."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()


class CommittingClient(FlaskClient):
    """Requests run in the test's app context and session; commit the test's own changes first
    (a SAVEPOINT release) so a view's rollback after a refused action cannot undo them."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return super().open(*args, **kwargs)


def _fresh_request_globals(sender, **extra) -> None:
    # Each request gets an empty ``g`` (current user, locale), as it would in production where
    # every request has its own app context.
    g.__dict__.clear()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    # Cheap hashing keeps the suite fast; production uses argon2's defaults.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path_factory),
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")),  # never the instance folder
    )
    app.test_client_class = CommittingClient
    request_started.connect(_fresh_request_globals, app)
    build_schema(app)
    return app


class _ProvisionalCalendar:
    """The package's calendar, and for the years after it (whose official schedule the
    installed package does not have yet) weekdays work and weekends rest."""

    def __init__(self, official):
        self.official = official

    def is_workday(self, day: date) -> bool:
        if day.year in workdays.PACKAGE_YEARS_OFFICIAL:
            return self.official.is_workday(day)
        return day.weekday() < 5


@pytest.fixture(autouse=True)
def _calendar_for_today(request, monkeypatch):
    """Tests that publish notices or count working days at the real date would start failing
    when the real date's windows reach a year the installed calendar package does not cover
    (from late December, until a package with that year's State Council schedule is out). In
    production the district enters that year first (tests/test_workcalendar.py checks the
    refusal); here such years, up to next year, count weekdays as working days. Tests marked
    ``official_calendar`` see only the package and what they enter themselves."""
    if "official_calendar" in request.keywords:
        return
    official = workdays.PACKAGE_YEARS
    through = max(official.stop, date.today().year + 2)
    monkeypatch.setattr(workdays, "PACKAGE_YEARS_OFFICIAL", official, raising=False)
    monkeypatch.setattr(workdays, "PACKAGE_YEARS", range(official.start, through))
    monkeypatch.setattr(
        workdays, "chinese_calendar", _ProvisionalCalendar(workdays.chinese_calendar)
    )


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run the test inside a transaction that is rolled back afterwards."""
    if "no_transaction" in request.keywords:
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        original = db.session
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()
            engines[None] = engine
    from microventure.extensions import limiter

    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements."""

    class Counter:
        count = 0
        statements: list[str]

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def on_execute(conn, cursor, statement, *args):
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.count += 1
                counter.statements.append(statement)

        engine = db._app_engines[app][None]
        engine = getattr(engine, "engine", engine)
        event.listen(engine, "after_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            event.remove(engine, "after_cursor_execute", on_execute)

    return counting


# ------------------------------------------------------------------------------------ factories

_serial = itertools.count(1)


def valid_credit_code(serial: int | None = None) -> str:
    body = f"52440113MJ{(serial or next(_serial)) + 5000000:07d}"
    return body + check_character(body)


def invalid_credit_code() -> str:
    code = valid_credit_code()
    return code[:17] + ("0" if code[17] != "0" else "1")


class Factory:
    def street(self, name: str | None = None) -> Street:
        n = next(_serial)
        street = Street(name=name or f"街道{n}", name_en=f"Street {n}", kind=StreetKind.STREET)
        db.session.add(street)
        db.session.add(Community(street=street, name=f"社区{n}", kind=CommunityKind.COMMUNITY))
        db.session.flush()
        return street

    def user(
        self,
        *,
        email: str | None = None,
        name: str = "测试用户",
        role: Role | None = None,
        street: Street | None = None,
        locale: str = "zh_CN",
    ):
        user = services.create_user(
            email=email or f"user{next(_serial)}@test.local",
            name=name,
            password=PASSWORD,
            locale=locale,
        )
        if role:
            services.grant_role(user=user, role=role, street=street, actor=user)
        return user

    def organization(
        self,
        *,
        street: Street,
        owner=None,
        kind=OrganizationKind.SOCIAL_SERVICE,
        status=VerificationStatus.VERIFIED,
        credit_code: str | None = None,
        custodian: Organization | None = None,
    ) -> Organization:
        org = Organization(
            name=f"测试机构{next(_serial)}",
            kind=kind,
            street=street,
            credit_code=None if kind.needs_custodian else (credit_code or valid_credit_code()),
            custodian=custodian,
            contact_name="联系人",
            contact_mobile="13800138000",
            verification_status=status,
        )
        db.session.add(org)
        if owner is not None:
            db.session.add(Membership(organization=org, user=owner, is_owner=True))
        db.session.flush()
        return org


@pytest.fixture
def make():
    return Factory()


def login(client, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login_as(client):
    def _login(user, password: str = PASSWORD):
        return login(client, user, password)

    return _login


# ----------------------------------------------------------------------------- real services
@pytest.fixture
def postgres_app(tmp_path):
    """An app on a PostgreSQL database of its own, for tests whose threads commit (the rest of
    the suite rolls back). Skipped in the SQLite run."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    name = scratch_database(url, "threads")
    admin_url = make_url(url).set(drivername="postgresql")
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=make_url(url).set(database=name).render_as_string(False),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 16},
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path),
    )
    build_schema(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def scratch_database(url: str, purpose: str) -> str:
    """The name of a database a test builds beside the configured one: derived from its name, so
    runs against different test databases on one server (parallel worktrees) never share it."""
    from sqlalchemy.engine import make_url

    return f"{make_url(url).database}_{purpose}"


def service_missing(reason: str) -> None:
    """Skip on a developer's machine without the service; fail under CI, where it must exist."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        service_missing(f"Redis is not reachable at {url}")
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(path):
        service_missing(f"no Chromium at {path} (apt-get install chromium)")
    return path


# ------------------------------------------------------------------------------ a real browser


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo data, served on a free port (CSRF on, as in production)."""
    import threading

    from werkzeug.serving import make_server

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}",
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("live-uploads")),
        WTF_CSRF_ENABLED=True,
    )
    build_schema(app)
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A 375 px wide page whose browser asks for English (the site must still default to zh)."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-US")
    yield context.new_page()
    context.close()


@pytest.fixture
def mailbox():
    """An SMTP server (aiosmtpd) in this process: ``(handler, port)``; see helpers_outbox."""
    from aiosmtpd.controller import Controller

    from tests.helpers_outbox import Mailbox, free_port

    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.stall_quit.clear()
    controller.stop()


@pytest.fixture
def own_redis():
    """A redis-server of the test's own, which it may stop, hang and restart (never the shared
    one). Afterwards the limiter is bound back to memory storage for the tests that follow."""
    from tests.helpers_outbox import RedisServer

    server = RedisServer()
    if server.binary is None:
        service_missing("no redis-server binary (apt-get install redis-server)")
    server.start()
    yield server
    server.stop()
    create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", RATELIMIT_STORAGE_URI="memory://")
    from microventure.extensions import limiter

    # The extension object is shared by every app of the run and init_app keeps its "storage is
    # down" flag: the next test starts with its storage presumed up, as a new process would.
    limiter._storage_dead = False
