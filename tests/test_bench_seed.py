"""``flask bench seed``: it refuses a database not named *bench*, and on one that is (a SQLite
file, and on PostgreSQL a scratch database beside the test one) it writes a data set whose
sizes follow the scale, whose seeded people log in and whose pages answer."""

import json
import os

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from microventure import create_app
from microventure.applications.models import Application
from microventure.extensions import db
from microventure.notifications.models import Notification
from microventure.ops.bench_seed import PASSWORD, Sizes
from microventure.projects.models import ActivityRecord, Project
from microventure.reviews.models import Review
from tests.conftest import scratch_database

COUNTED = (Application, Review, Project, ActivityRecord, Notification)


def test_refuses_a_database_whose_name_lacks_bench(app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Application))
    result = app.test_cli_runner().invoke(args=["bench", "seed", "--scale", "0.005"])
    assert result.exit_code != 0
    assert "refusing to empty the database" in result.output and "bench" in result.output
    with app.app_context():  # nothing was dropped or written
        assert db.session.scalar(select(func.count()).select_from(Application)) == before


def _bench_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'bench.sqlite'}"
    name = scratch_database(url, "bench")
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _seed(tmp_path, scale: float):
    tmp_path.mkdir()
    bench = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=_bench_url(tmp_path),
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
    )
    manifest = tmp_path / "manifest.json"
    args = ["bench", "seed", "--scale", str(scale), "--manifest", str(manifest)]
    with bench.app_context():  # not the test app's context, which the suite keeps pushed
        result = bench.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "seeded in" in result.output
    with bench.app_context():
        counts = {m: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}
    return bench, counts, json.loads(manifest.read_text())


def test_seeds_at_the_scale_asked_for_and_its_pages_answer(tmp_path):
    small, counts_small, manifest = _seed(tmp_path / "a", 0.005)
    try:
        sizes = Sizes.of(0.005)
        assert counts_small[Application] == sizes.applications == 100
        assert counts_small[ActivityRecord] == sizes.activities
        assert counts_small[Notification] == sizes.notifications
        assert counts_small[Project] == sizes.projects
        assert counts_small[Review] >= 3 * counts_small[Project]
        client = small.test_client()
        login = {"email": "member@bench.local", "password": PASSWORD}
        assert client.post("/auth/login", data=login).status_code == 302
        project = client.get(f"/projects/{manifest['project_id']}")
        assert project.status_code == 200
        assert "基准社区服务组织00001" in project.get_data(as_text=True)
        application = client.get(f"/applications/{manifest['application_id']}")
        assert application.status_code == 200
        # its history timeline, from the audit events written with the rows
        assert "BENCH-" in application.get_data(as_text=True)
        street = small.test_client()
        login = {"email": "street@bench.local", "password": PASSWORD}
        assert street.post("/auth/login", data=login).status_code == 302
        ranking = street.get(f"/admin/calls/{manifest['ranking_call_id']}/ranking")
        assert ranking.status_code == 200
        assert ranking.get_data(as_text=True).count("<tr data-reference=") == 20
    finally:
        _dispose(small)
    larger, counts_larger, _ = _seed(tmp_path / "b", 0.01)
    _dispose(larger)
    for model in COUNTED:
        assert counts_larger[model] > counts_small[model], model


def _dispose(bench) -> None:
    with bench.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("scale", [0.1, 1, 10])
def test_a_scale_scales_everything(scale):
    sizes, district = Sizes.of(scale), Sizes.of(1)
    assert district.applications == 20_000 and district.organizations == 2_000
    assert district.activities == 100_000 and district.notifications == 200_000
    assert sizes.applications == round(20_000 * scale)
    assert sizes.projects == round(5_000 * scale)


def test_query_count_header_only_in_bench_mode(app, tmp_path):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from microventure.ops import query_count

    assert "X-Query-Count" not in app.test_client().get("/calls").headers
    counted = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI="memory://",
        UPLOAD_FOLDER=str(tmp_path),
        BENCH_QUERY_COUNT=True,
    )
    try:
        with counted.app_context():
            response = counted.test_client().get("/calls")
        assert response.status_code == 200
        assert int(response.headers["X-Query-Count"]) >= 1
    finally:
        event.remove(Engine, "after_cursor_execute", query_count._counted)
        _dispose(counted)
