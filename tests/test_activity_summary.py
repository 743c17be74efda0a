"""The summary of accepted activity records per project, domain and month (``activity_month``,
which the results figures read) always equals a GROUP BY over the accepted records: after
records are recorded, accepted, returned and edited through the pages, after the bulk writer,
after the migration's backfill, and when admins accept at the same moment (PostgreSQL)."""

import importlib.util
import io
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import delete, func, select

from microventure.accounts.models import User
from microventure.calls.models import Domain
from microventure.core.errors import DomainError
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.activities import services as activities
from microventure.projects.models import (
    ACTIVITY,
    ActivityRecord,
    ActivitySummary,
    RecordStatus,
    month_held,
)
from tests.conftest import Factory
from tests.helpers_stats import ACTIVITIES, seed_round
from tests.test_activities_pages import form, signed_in
from tests.test_activities_support import active_round, jpeg, record, values

TODAY = local_today()
MIGRATION = (
    Path(__file__).resolve().parent.parent / "migrations/versions/6bd4ea0144b8_activity_month.py"
)
TENTH = Decimal("0.1")


def _figures(row) -> tuple:
    *counts, hours, problems = row
    return (*counts, Decimal(hours).quantize(TENTH), problems)


def grouped_records() -> dict:
    a = ActivityRecord
    month = month_held(a.held_on)
    rows = db.session.execute(
        select(
            a.project_id,
            a.domain,
            month,
            func.count(),
            func.sum(a.participants),
            func.sum(a.volunteers),
            func.sum(a.volunteer_hours),
            func.sum(a.problems_solved),
        )
        .where(a.status == RecordStatus.ACCEPTED)
        .group_by(a.project_id, a.domain, month)
    )
    return {(p, Domain(d), m): _figures(rest) for p, d, m, *rest in rows}


def summary() -> dict:
    s = ActivitySummary
    rows = db.session.execute(
        select(
            s.project_id,
            s.domain,
            s.month,
            s.activities,
            s.participants,
            s.volunteers,
            s.volunteer_hours,
            s.problems_solved,
        )
    )
    return {(p, d, m): _figures(rest) for p, d, m, *rest in rows}


def assert_agrees() -> dict:
    db.session.expire_all()
    found = summary()
    assert found == grouped_records()
    return found


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


def _post_record(client, r, **changes) -> ActivityRecord:
    response = client.post(
        f"/projects/{r['project'].id}/activities/new",
        data=form(r, **changes),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.get(ActivityRecord, int(response.headers["Location"].rsplit("/", 1)[1]))


def _as(client, login_as, user) -> None:
    client.post("/auth/logout")
    signed_in(client, login_as, user)


def test_the_summary_follows_the_pages(client, login_as, make):
    r = active_round(make)
    pid, admin, owner = r["project"].id, r["admin"], r["owner"]
    earlier = TODAY - timedelta(days=40)
    key_now = (pid, Domain.SMART_ELDERLY_CARE, f"{TODAY - timedelta(days=2):%Y-%m}")
    signed_in(client, login_as, owner)
    first = _post_record(client, r)  # 35 participants, 4 volunteers, 12.5 hours, 2 solved
    second = _post_record(client, r, participants="20", domain="mental_health")
    third = _post_record(client, r, held_on=earlier.isoformat(), participants="7")
    assert assert_agrees() == {}  # nothing accepted yet

    _as(client, login_as, admin)
    url = f"/projects/{pid}/activities"
    assert client.post(f"{url}/{first.id}/accept").status_code == 302
    assert assert_agrees() == {key_now: (1, 35, 4, Decimal("12.5"), 2)}
    assert client.post(f"{url}/{second.id}/return", data={"comment": "请核对"}).status_code == 302
    assert client.post(f"{url}/{first.id}/accept").status_code == 302  # refused: already
    assert assert_agrees() == {key_now: (1, 35, 4, Decimal("12.5"), 2)}

    # the returned record is corrected (into the first one's domain and month), then accepted
    _as(client, login_as, owner)
    edit = client.post(
        f"{url}/{second.id}/edit",
        data=form(r, participants="21", volunteer_hours="0.5")
        | {"sign_in_sheet": (io.BytesIO(jpeg()), "签到表.jpg")},
        content_type="multipart/form-data",
    )
    assert edit.status_code == 302
    # the waiting record moves to another month before it is accepted
    moved = form(r, held_on=(earlier - timedelta(days=1)).isoformat(), participants="8")
    edit = client.post(f"{url}/{third.id}/edit", data=moved, content_type="multipart/form-data")
    assert edit.status_code == 302
    _as(client, login_as, admin)
    assert client.post(f"{url}/{second.id}/accept").status_code == 302
    assert client.post(f"{url}/{third.id}/accept").status_code == 302
    key_earlier = (pid, Domain.SMART_ELDERLY_CARE, f"{earlier - timedelta(days=1):%Y-%m}")
    expected = {
        key_now: (2, 56, 8, Decimal("13.0"), 4),  # the first and the corrected second
        key_earlier: (1, 8, 4, Decimal("12.5"), 2),  # the third where it was moved to
    }
    assert assert_agrees() == expected

    # an accepted record can no longer change: the summary neither
    _as(client, login_as, owner)
    edit = client.post(
        f"{url}/{first.id}/edit",
        data=form(r, participants="99"),
        content_type="multipart/form-data",
    )
    assert edit.status_code == 302
    assert assert_agrees() == expected


def test_a_record_leaving_the_accepted_state_is_taken_out(make, monkeypatch):
    """No move leaves ACCEPTED today; were one added to the table, the summary would follow."""
    r = active_round(make)
    kept, reopened = record(r), record(r)
    for activity in (kept, reopened):
        activities.accept_activity(activity=activity, actor=r["admin"])
    (key,) = assert_agrees()
    assert summary()[key][0] == 2
    monkeypatch.setitem(
        ACTIVITY.moves, (RecordStatus.ACCEPTED, RecordStatus.SUBMITTED), "activity.reopened"
    )
    ACTIVITY.move(reopened, RecordStatus.SUBMITTED, actor=r["admin"])
    assert assert_agrees()[key] == (1, 30, 3, Decimal("7.5"), 1)
    ACTIVITY.move(kept, RecordStatus.SUBMITTED, actor=r["admin"])
    assert assert_agrees() == {}  # the month left empty has no row


def test_the_bulk_writer_and_the_migrations_backfill_agree(make):
    world = seed_round(make)
    found = assert_agrees()
    assert sum(row[0] for row in found.values()) == ACTIVITIES == 196
    assert sum(row[1] for row in found.values()) == world.expected["participants"]

    db.session.execute(delete(ActivitySummary))
    spec = importlib.util.spec_from_file_location("activity_month_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration.backfill()
    assert assert_agrees() == found


THREADS = 6


def _accept_at_once(app, ids: list[int], admin_id: int, owner_id: int) -> list:
    """Half the threads accept a record, the other half edit one: all at the same moment."""
    barrier = threading.Barrier(len(ids) + 1)
    errors: list[BaseException] = []

    def accept(activity_id: int) -> None:
        try:
            with app.app_context():
                activity = db.session.get(ActivityRecord, activity_id)
                admin = db.session.get(User, admin_id)
                barrier.wait(timeout=30)
                activities.accept_activity(activity=activity, actor=admin)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    def edit(activity_id: int) -> None:
        try:
            with app.app_context():
                activity = db.session.get(ActivityRecord, activity_id)
                owner = db.session.get(User, owner_id)
                barrier.wait(timeout=30)
                try:
                    activities.update_activity(
                        activity=activity,
                        values=values(participants=77, volunteer_hours=Decimal("2.5")),
                        photos=[],
                        removed_photo_ids=[],
                        sign_in_sheet=None,
                        actor=owner,
                    )
                    db.session.commit()
                except DomainError:  # accepted first: it can no longer change
                    db.session.rollback()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    threads.append(threading.Thread(target=edit, args=(ids[0],)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.no_transaction
def test_admins_accepting_at_the_same_moment_all_count(postgres_app):
    """Records of one project, domain and month accepted by parallel transactions (the first
    ones racing to insert the month's row), one of them edited at that moment by its
    organisation: the summary adds every one, with the figures each was accepted with."""
    app = postgres_app
    with app.app_context():
        r = active_round(Factory())
        ids = [record(r).id for _ in range(THREADS)]
        admin_id, owner_id = r["admin"].id, r["owner"].id
        db.session.commit()
    assert _accept_at_once(app, ids, admin_id, owner_id) == []
    with app.app_context():
        found = assert_agrees()
        assert sum(row[0] for row in found.values()) == THREADS
        statuses = db.session.scalars(select(ActivityRecord.status)).all()
        assert set(statuses) == {RecordStatus.ACCEPTED}
        db.session.remove()
