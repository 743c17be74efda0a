"""Upgrading with the data in place, as docs/deploy.md does it (``flask --app wsgi db upgrade``):
a database at the previous release's migration head, filled with the demo data, is upgraded to
this head, keeps every row of every column it had, and the site serves it. Every migration can
be undone (or says in its downgrade why not). SQLite here, PostgreSQL when TEST_DATABASE_URL
names one."""

import ast

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from microventure import create_app
from tests.helpers_ops import (
    ROOT,
    columns_of,
    drop_site,
    engine_for,
    new_site,
    table_snapshot,
)

pytestmark = pytest.mark.no_transaction

MIGRATIONS = ROOT / "migrations"
SCRIPTS = ScriptDirectory(str(MIGRATIONS))
# The migration head of the release before this one: what a site being upgraded has. Move it on
# when a release is made (to the head that release shipped).
PREVIOUS_RELEASE_HEAD = "d3f282815c87"
# Tables whose existing columns a migration since that release rewrites on purpose (the test
# then checks only their row counts); none so far.
REWRITTEN: set[str] = set()
NOT_DATA = {"alembic_version"}  # the revision itself, which the upgrade moves on


def _revision(site) -> str:
    engine = engine_for(site)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory):
    """The fixture this test makes for itself: the demo data in a database at the previous
    release's head (loaded at this head, then migrated down to that one), its uploads, and a
    snapshot of every row as that schema has it."""
    site = new_site(tmp_path_factory.mktemp("upgrade"), "upgrade")
    site.flask("db", "upgrade")
    site.flask("demo", "load")
    site.flask("db", "downgrade", PREVIOUS_RELEASE_HEAD)
    assert _revision(site) == PREVIOUS_RELEASE_HEAD
    columns = columns_of(site)
    columns = {t: c for t, c in columns.items() if t not in NOT_DATA}
    yield site, columns, table_snapshot(site, columns)
    drop_site(site)


@pytest.fixture(scope="module")
def upgraded(previous_release):
    site, columns, before = previous_release
    site.flask("db", "upgrade")
    return site, columns, before


def test_the_previous_release_is_behind_this_head():
    assert PREVIOUS_RELEASE_HEAD in {r.revision for r in SCRIPTS.walk_revisions()}
    assert SCRIPTS.get_current_head() != PREVIOUS_RELEASE_HEAD


def test_the_upgrade_keeps_every_row_and_column(upgraded):
    site, columns, before = upgraded
    assert _revision(site) == SCRIPTS.get_current_head()
    assert before["users"][0] > 10 and before["activity_records"][0] > 0
    after = table_snapshot(site, columns)
    assert {t: n for t, (n, _h) in after.items()} == {t: n for t, (n, _h) in before.items()}
    kept = {t: h for t, (_n, h) in after.items() if t not in REWRITTEN}
    assert kept == {t: h for t, (_n, h) in before.items() if t not in REWRITTEN}


def _ids(site) -> dict[str, int]:
    engine = engine_for(site)
    queries = {
        "call": "SELECT min(call_id) FROM projects",
        "project": "SELECT min(id) FROM projects",
        "activity": "SELECT min(id) FROM activity_records",
    }
    try:
        with engine.connect() as connection:
            return {k: connection.execute(sa.text(q)).scalar() for k, q in queries.items()}
    finally:
        engine.dispose()


def _pages(ids: dict[str, int]) -> list[str]:
    project = f"/projects/{ids['project']}"
    return [
        "/",
        "/admin/users",
        "/admin/calls",
        f"/admin/calls/{ids['call']}/ranking",
        f"/admin/calls/{ids['call']}/decisions",
        f"/admin/calls/{ids['call']}/notice",
        "/admin/projects",
        project,
        f"{project}/activities",
        f"{project}/budget",
        "/admin/stats?year=2020",
        "/admin/funds",
        "/results",
        "/notices",
    ]


def test_the_upgraded_site_serves_its_pages(upgraded):
    site, _columns, _before = upgraded
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=site.url,
        UPLOAD_FOLDER=str(site.uploads),
        RATELIMIT_STORAGE_URI="memory://",
    )
    client = app.test_client()
    login = {"email": "district@demo.local", "password": "demo-password"}
    assert client.post("/auth/login", data=login).status_code == 302
    statuses = {page: client.get(page).status_code for page in _pages(_ids(site))}
    assert statuses == dict.fromkeys(statuses, 200)
    with app.app_context():
        from microventure.extensions import db

        db.engine.dispose()


def _downgrades():
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        functions = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
        yield path.name, source, functions.get("downgrade")


def _idle(statement: ast.stmt) -> bool:
    """``pass``, ``...`` or a docstring."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    )


def test_every_migration_has_a_downgrade_or_says_why_not():
    """A downgrade that does something, or one that raises and says why it cannot (a comment or
    message with "irreversible")."""
    bare = []
    for name, source, downgrade in _downgrades():
        body = [] if downgrade is None else downgrade.body
        does_something = any(not _idle(s) for s in body)
        text = "" if downgrade is None else ast.get_source_segment(source, downgrade)
        says_why = downgrade is not None and "irreversible" in text.lower()
        if not (does_something or says_why):
            bare.append(name)
    assert bare == []


@pytest.fixture
def empty_site(tmp_path):
    site = new_site(tmp_path, "reversible")
    yield site
    drop_site(site)


def test_every_migration_goes_down_to_nothing_and_up_again(empty_site):
    site = empty_site
    site.flask("db", "upgrade")
    site.flask("db", "downgrade", "base")
    assert set(columns_of(site)) <= {"alembic_version"}
    if site.dialect == "postgresql":  # the append-only guards' functions went too
        engine = engine_for(site)
        with engine.connect() as connection:
            functions = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    " WHERE n.nspname = current_schema()"
                )
            ).scalar()
        engine.dispose()
        assert functions == 0
    site.flask("db", "upgrade")
    assert _revision(site) == SCRIPTS.get_current_head()
