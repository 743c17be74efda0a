"""The district's figures computed ahead (stats/snapshots.py): a view at the snapshot's version
reads it instead of computing, gives exactly the page it would have computed, and never reads a
snapshot of other data or past its age; a real worker refreshes it after a change made through
a page."""

import re
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select, update

from microventure import create_app
from microventure.accounts.models import Role
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.projects.activities import services as activities
from microventure.stats import cache, snapshots
from microventure.stats.forms import Filters
from microventure.stats.models import FigureSnapshot
from microventure.stats.queries import Scope, figures, fund_figures
from tests.conftest import Factory, build_schema, login
from tests.helpers_stats import seed_round
from tests.test_stats_cache import db_first_submitted
from tests.test_stats_dashboard import DASHBOARD_QUERIES, headline, page
from tests.test_stats_results import RESULTS_QUERIES

DISTRICT = Scope.of(Filters(), None)
FIGURES_QUERIES = 8  # the figures and the fund figures, when computed


@pytest.fixture
def kept_ahead(app, monkeypatch):
    monkeypatch.setitem(app.config, "STATS_SNAPSHOT_SECONDS", 600)


def test_a_snapshot_gives_back_the_figures_exactly(make):
    seed_round(make)
    computed = (figures(DISTRICT), fund_figures(DISTRICT))
    found, (funds, by_street) = snapshots.decode(snapshots.encode(computed))
    assert found.total == computed[0].total
    for dim, groups in computed[0].by.items():
        assert dict(found.by[dim]) == dict(groups)
        assert {type(k) for k in found.by[dim]} == {type(k) for k in groups}
    assert (funds, by_street) == computed[1]
    assert found.total["volunteer_hours"] == computed[0].total["volunteer_hours"]
    assert found.by["call"][123456789]["approved"] == 0  # a missing group reads as zeros


def test_only_the_whole_district_is_kept_ahead():
    assert snapshots.key_of(DISTRICT) is not None
    assert snapshots.key_of(Scope.of(Filters(year=2025), None)) is None
    assert snapshots.key_of(Scope.of(Filters(), {1})) is None


def unsigned(html: str) -> str:
    """The page without its CSRF tokens, whose signature carries the second it was made."""
    return re.sub(r'name="csrf_token"[^>]*>', 'name="csrf_token">', html)


def test_views_read_the_snapshot_of_the_datas_version_only(
    client, login_as, make, count_queries, kept_ahead
):
    world = seed_round(make)
    login_as(world.district_admin)
    computed_page = page(client)
    with count_queries() as computing:  # signed in: the navigation's counts too
        computed_results = client.get("/results").get_data(as_text=True)
    assert snapshots._refresh_once() == 1
    assert snapshots._refresh_once() == 0  # nothing changed: nothing computed

    with count_queries() as q:
        assert unsigned(page(client)) == unsigned(computed_page)
    assert q.count == DASHBOARD_QUERIES - FIGURES_QUERIES + 1  # the version and the snapshot
    with count_queries() as q:
        results = client.get("/results").get_data(as_text=True)
        assert unsigned(results) == unsigned(computed_results)
    assert q.count <= computing.count - FIGURES_QUERIES + 1

    # a change: the snapshot is of other data, so the view computes the figures
    activities.accept_activity(activity=db_first_submitted(world), actor=world.district_admin)
    with count_queries() as q:
        assert headline(page(client), "activities") == "197"
    assert q.count == DASHBOARD_QUERIES + 1
    assert snapshots._refresh_once() == 1
    with count_queries() as q:
        assert headline(client.get("/results").get_data(as_text=True), "activities") == "197"
    assert q.count <= computing.count - FIGURES_QUERIES + 1


def test_a_log_in_or_a_check_in_leaves_the_figures_version_as_it_was(
    app, client, make, count_queries, kept_ahead
):
    """Accounts' own events change no figure: a morning's log-ins (or a password-guessing run)
    neither make the worker compute nor turn the snapshot stale."""
    world = seed_round(make)
    assert snapshots._refresh_once() == 1
    before = cache.version()
    client.post("/auth/login", data={"email": world.district_admin.email, "password": "wrong"})
    login(client, world.district_admin)
    assert cache.version() == before
    assert snapshots._refresh_once() == 0
    with count_queries() as q:
        page(client)
    assert q.count == DASHBOARD_QUERIES - FIGURES_QUERIES + 1  # read from the snapshot
    activities.accept_activity(activity=db_first_submitted(world), actor=world.district_admin)
    assert cache.version() != before  # a change the figures show still counts


def test_an_old_snapshot_is_not_read(client, login_as, make, count_queries, kept_ahead):
    world = seed_round(make)
    login_as(world.district_admin)
    snapshots._refresh_once()
    db.session.execute(update(FigureSnapshot).values(computed_at=utcnow() - timedelta(seconds=601)))
    with count_queries() as q:
        assert headline(page(client), "activities") == "196"
    assert q.count == DASHBOARD_QUERIES + 1
    # past half its age, a refresh computes it again although the data is unchanged
    db.session.execute(update(FigureSnapshot).values(computed_at=utcnow() - timedelta(seconds=301)))
    assert snapshots._refresh_once() == 1


def test_without_snapshots_a_view_computes_as_before(client, make, count_queries):
    seed_round(make)
    snapshots._refresh_once()
    with count_queries() as q:
        client.get("/results")
    assert q.count == RESULTS_QUERIES  # STATS_SNAPSHOT_SECONDS 0: not even looked for


def test_the_embedded_default_asks_no_worker(app):
    with app.test_request_context():
        snapshots.refresh_soon()  # in process: nothing queued, nothing computed, no error
    assert snapshots.refresh() >= 0


@pytest.mark.no_transaction
def test_a_worker_refreshes_the_district_after_a_change_through_a_page(tmp_path, redis_url):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'snapshots.sqlite'}",
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI="memory://",
        STATS_SNAPSHOT_SECONDS=600,
        WTF_CSRF_ENABLED=False,
    )
    build_schema(app)
    with app.app_context():
        admin = Factory().user(role=Role.DISTRICT_ADMIN, email="district@example.org")
        db.session.commit()
        email = admin.email
    celery_app = app.extensions["celery"]
    snapshots._last_request[0] = 0.0
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        client = app.test_client()
        login(client, email)  # a write that succeeded: a refresh is asked for
        with app.app_context():
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                kept = db.session.scalar(select(FigureSnapshot.version))
                db.session.rollback()
                if kept == str(cache.version()):
                    break
                time.sleep(0.2)
            assert kept == str(cache.version())
            db.session.rollback()
