"""Thirty phones checking in to one session at the same moment, through the public route on
PostgreSQL (each thread its own test client, the objects loaded by the route's own queries): every
one counted, exactly, and a person trying from several phones at once counted once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from microventure.attendance import services, tokens
from microventure.attendance.models import AttendanceSession, CheckIn
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.projects.models import ActivityRecord
from tests.conftest import Factory
from tests.test_activities_support import active_round, record

PEOPLE = 30
DUPLICATES = 6  # one more person, from six phones at once


@pytest.mark.no_transaction
def test_thirty_simultaneous_check_ins_are_counted_exactly(postgres_app):
    app = postgres_app
    with app.app_context():
        r = active_round(Factory())
        activity = record(r, participants=PEOPLE + 1)
        session = services.open_session(
            project=r["project"],
            values=services.SessionValues(
                title="社区集市",
                place="广场",
                opens_at=utcnow() - timedelta(hours=1),
                closes_at=utcnow() + timedelta(hours=1),
            ),
            activity_id=activity.id,
            actor=r["owner"],
        )
        db.session.commit()
        path, session_id, activity_id = "/c/" + tokens.make_token(session), session.id, activity.id
        db.session.remove()

    people = [(f"居民{n}", f"{n:04d}") for n in range(PEOPLE)]
    people += [("重复的人", "9999")] * DUPLICATES
    barrier = threading.Barrier(len(people))
    answers: list[int] = []
    errors: list[BaseException] = []

    def check_in(name: str, digits: str) -> None:
        try:
            client = app.test_client()  # a phone of its own: its own device cookie
            assert client.get(path).status_code == 200
            barrier.wait(timeout=30)
            response = client.post(
                path, data={"kind": "participant", "name": name, "digits": digits}
            )
            answers.append(response.status_code)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=check_in, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    assert sorted(answers) == [302] * (PEOPLE + 1) + [422] * (DUPLICATES - 1)

    with app.app_context():
        session = db.session.get(AttendanceSession, session_id)
        rows = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.session_id == session_id)
        )
        verified = db.session.get(ActivityRecord, activity_id).verified_participants
    assert session.participants == rows == verified == PEOPLE + 1


@pytest.mark.no_transaction
def test_check_ins_while_the_session_is_linked_to_its_record_all_count_in_it(postgres_app):
    """The organisation links the session to the record while people are checking in: the
    record ends with exactly the session's count."""
    app = postgres_app
    with app.app_context():
        r = active_round(Factory())
        activity = record(r, participants=20)
        session = services.open_session(
            project=r["project"],
            values=services.SessionValues(
                title="读书会",
                place="图书室",
                opens_at=utcnow() - timedelta(hours=1),
                closes_at=utcnow() + timedelta(hours=1),
            ),
            actor=r["owner"],
        )
        db.session.commit()
        path, ids = "/c/" + tokens.make_token(session), (session.id, activity.id, r["owner"].id)
        db.session.remove()
    session_id, activity_id, owner_id = ids
    barrier = threading.Barrier(21)
    errors: list[BaseException] = []

    def check_in(n: int) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            response = client.post(
                path, data={"kind": "participant", "name": f"读者{n}", "digits": "4444"}
            )
            assert response.status_code == 302
        except BaseException as exc:
            errors.append(exc)

    def link() -> None:
        from microventure.accounts.models import User

        try:
            with app.app_context():
                session = db.session.get(AttendanceSession, session_id)
                owner = db.session.get(User, owner_id)
                _ = session.project.title
                barrier.wait(timeout=30)
                services.link_to_record(session=session, activity_id=activity_id, actor=owner)
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=check_in, args=(n,)) for n in range(20)]
    threads.append(threading.Thread(target=link))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    with app.app_context():
        session = db.session.get(AttendanceSession, session_id)
        verified = db.session.get(ActivityRecord, activity_id).verified_participants
    assert session.participants == verified == 20
