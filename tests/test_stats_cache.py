"""The results figures are cached per process while the data does not change: a second view
costs one query for the figures, and any change — a state change (audited), a new row — is seen
at the next view."""

import pytest
from sqlalchemy import select

from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord, ActivitySummary, RecordStatus
from microventure.stats import cache
from tests.helpers_stats import seed_round
from tests.test_stats_dashboard import DASHBOARD_QUERIES, headline, page


@pytest.fixture
def caching(app, monkeypatch):
    monkeypatch.setitem(app.config, "STATS_CACHE_SECONDS", 60)
    cache.clear()
    yield
    cache.clear()


def test_figures_are_kept_until_the_data_changes(client, login_as, make, count_queries, caching):
    world = seed_round(make)
    admin = world.street_admins["南村镇"]
    login_as(world.district_admin)
    assert headline(page(client), "activities") == "196"
    with count_queries() as q:
        assert headline(page(client), "activities") == "196"
    assert q.count == DASHBOARD_QUERIES - 8 + 1  # the version instead of figures and funds

    waiting = db_first_submitted(world)
    activities.accept_activity(activity=waiting, actor=admin)  # a state change, audited
    assert headline(page(client), "activities") == "197"
    assert headline(client.get("/results").get_data(as_text=True), "activities") == "197"

    from sqlalchemy import update

    from microventure.extensions import db

    # a change that writes no event and no row (here to the summary the figures read) is seen
    # once the time limit has passed
    db.session.execute(
        update(ActivitySummary)
        .where(
            ActivitySummary.project_id == waiting.project_id,
            ActivitySummary.domain == waiting.domain,
            ActivitySummary.month == f"{waiting.held_on:%Y-%m}",
        )
        .values(participants=ActivitySummary.participants + 1000)
    )
    before = headline(page(client), "participants")
    cache.clear()
    after = headline(page(client), "participants")
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1000


def db_first_submitted(world) -> ActivityRecord:
    from microventure.extensions import db

    return db.session.scalar(
        select(ActivityRecord).where(ActivityRecord.status == RecordStatus.SUBMITTED).limit(1)
    )
