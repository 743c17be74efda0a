"""Accepting activity records in bulk across projects: the admin's list of records waiting
(their streets' only), each accepted by the one-record service (those already reviewed are
named), each audited, all that match the filter across pages, a second submission accepting
nothing twice, and a fixed number of queries for the list."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from microventure.accounts.models import Role
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.notifications.services import members_of
from microventure.projects import services as projects
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord, RecordStatus
from tests.helpers_reviews import pdf
from tests.test_activities_support import active_round, record, values
from tests.test_screening import flashes

R = RecordStatus


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))


@pytest.fixture
def r(make):
    r = active_round(make)
    projects.sign_agreement(
        project=r["second"],
        signed_on=local_today() - timedelta(days=30),
        upload=pdf(),
        actor=r["admin"],
    )
    return r


def record_second(r, title="垃圾分类宣传") -> ActivityRecord:
    return activities.record_activity(
        project=r["second"],
        values=values(title=title),
        photos=[],
        sign_in_sheet=None,
        actor=members_of(r["second"].organization)[0],
    )


def listed(client, **args) -> list[int]:
    response = client.get("/admin/activities", query_string=args)
    assert response.status_code == 200
    return [int(i) for i in re.findall(r'data-activity="(\d+)"', response.text)]


def status_of(record_id: int) -> RecordStatus:
    db.session.expire_all()
    return db.session.get(ActivityRecord, record_id).status


def accepted_events(project_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action == "activity.accepted",
            AuditEvent.object_type == "projects",
            AuditEvent.object_id == project_id,
        )
    )


def test_ticked_records_are_accepted_and_the_reviewed_named(client, login_as, r):
    waiting = [record(r, title=f"长者课堂第{n}期") for n in range(3)]
    accepted = record(r, title="已通过的课堂")
    activities.accept_activity(activity=accepted, actor=r["admin"])
    returned = record(r, title="已退回的课堂")
    activities.return_activity(activity=returned, comment="请补签到表", actor=r["admin"])
    elsewhere = record_second(r)
    ids = [a.id for a in (*waiting, accepted, returned)]
    login_as(r["admin"])
    assert listed(client) == [*(a.id for a in waiting), elsewhere.id]  # the longest waiting first

    response = client.post("/admin/activities/accept", data={"ids": ids})
    assert response.status_code == 302
    (kind, done), *refusals = flashes(client)
    refused = " ".join(message for _, message in refusals)
    assert kind == "warning" and "3" in done and len(refusals) == 2  # one per reason
    assert "已通过的课堂" in refused and "已退回的课堂" in refused
    assert r["project"].agreement_number in refused
    assert [status_of(i) for i in ids] == [R.ACCEPTED] * 4 + [R.RETURNED]
    assert status_of(elsewhere.id) is R.SUBMITTED
    assert accepted_events(r["project"].id) == 4  # the three, and the one accepted before
    assert listed(client) == [elsewhere.id]


def test_all_that_match_one_projects_filter_across_pages(app, client, login_as, r, monkeypatch):
    monkeypatch.setitem(app.config, "ITEMS_PER_PAGE", 2)
    mine = [record(r, title=f"课堂{n}") for n in range(5)]
    other = record_second(r)
    login_as(r["admin"])
    filters = {"project": r["project"].id}
    page = client.get("/admin/activities", query_string=filters).text
    assert 'name="matching" value="5"' in page and len(listed(client, **filters)) == 2
    response = client.post(
        "/admin/activities/accept",
        query_string=filters,
        data={"scope": "matching", "matching": "5"},
    )
    assert response.status_code == 302 and f"project={r['project'].id}" in response.location
    [(kind, done)] = flashes(client)
    assert kind == "success" and "5" in done
    assert {status_of(a.id) for a in mine} == {R.ACCEPTED}
    assert status_of(other.id) is R.SUBMITTED


def test_a_second_submission_accepts_nothing_twice(client, login_as, r):
    activity = record(r)
    login_as(r["admin"])
    for _ in range(2):
        client.post("/admin/activities/accept", data={"ids": [activity.id]})
    (_, done), (_, refused) = flashes(client)[-2:]
    assert re.search(r"\b0\b", done) and "长者智能手机课堂" in refused
    assert status_of(activity.id) is R.ACCEPTED
    assert accepted_events(r["project"].id) == 1


def test_other_streets_admins_and_applicants_cannot_accept(client, login_as, make, r):
    activity = record(r)
    login_as(make.user(role=Role.STREET_ADMIN, street=make.street()))
    assert listed(client) == []
    client.post("/admin/activities/accept", data={"ids": [activity.id]})
    assert status_of(activity.id) is R.SUBMITTED  # not theirs: not even loaded
    login_as(r["owner"])
    assert client.get("/admin/activities").status_code == 403
    response = client.post("/admin/activities/accept", data={"ids": [activity.id]})
    assert response.status_code == 403
    assert status_of(activity.id) is R.SUBMITTED


def test_the_project_page_links_its_waiting_records(client, login_as, r):
    record(r)
    login_as(r["admin"])
    page = client.get(f"/projects/{r['project'].id}/activities").text
    assert 'data-testid="review-in-bulk"' in page
    login_as(r["owner"])
    page = client.get(f"/projects/{r['project'].id}/activities").text
    assert 'data-testid="review-in-bulk"' not in page


def test_the_list_makes_the_same_number_of_queries_for_3_and_12(client, login_as, r, count_queries):
    for n in range(3):
        record(r, title=f"课堂{n}")
    login_as(r["admin"])
    listed(client)

    def measured() -> tuple[int, int]:
        with count_queries() as counter:
            shown = listed(client)
        return counter.count, len(shown)

    few, shown = measured()
    assert shown == 3
    for n in range(9):
        (record(r, title=f"更多{n}") if n % 2 else record_second(r, title=f"更多{n}"))
    many, shown = measured()
    assert shown == 12
    assert few == many <= 8
