"""The applicant's projects through the API: the list and one project, recording an activity
with photos (multipart), every problem named by its field, and the record's review."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from microventure.accounts import api_tokens
from microventure.accounts.models import TokenScope
from microventure.core.models import AuditEvent
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.projects.activities import services as activities
from microventure.projects.models import ActivityRecord
from tests.test_activities_support import active_round, jpeg

EN = {"Accept-Language": "en"}


@pytest.fixture
def r(app, make, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    r = active_round(make)
    for who, scope in (("owner", TokenScope.WRITE), ("other", TokenScope.WRITE)):
        r[f"{who}_token"] = api_tokens.create_token(user=r[who], name="t", scope=scope, days=9)
    r["read_token"] = api_tokens.create_token(
        user=r["owner"], name="read", scope=TokenScope.READ, days=9
    )
    db.session.commit()
    return r


def auth(new) -> dict:
    return {"Authorization": f"Bearer {new.secret}", **EN}


def form(**changes) -> dict:
    data = {
        "held_on": (local_today() - timedelta(days=1)).isoformat(),
        "title": "长者智能手机课堂",
        "domain": "smart_elderly_care",
        "participants": "30",
        "volunteers": "3",
        "volunteer_hours": "7.5",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


def photos(n: int) -> list:
    return [(io.BytesIO(jpeg()), f"p{i}.jpg") for i in range(n)]


def test_the_applicant_sees_their_projects_and_nobody_elses(client, r):
    project = r["project"]
    listed = client.get("/api/v1/projects", headers=auth(r["owner_token"])).get_json()["items"]
    assert project.id in [p["id"] for p in listed]
    one = client.get(f"/api/v1/projects/{project.id}", headers=auth(r["owner_token"]))
    assert one.status_code == 200 and one.get_json()["amount_fen"] == project.amount
    other = auth(r["other_token"])
    assert client.get(f"/api/v1/projects/{project.id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/projects/{project.id}/activities", headers=other).status_code == 404


def test_an_activity_is_recorded_with_its_photos_and_names_the_token(client, r):
    project = r["project"]
    response = client.post(
        f"/api/v1/projects/{project.id}/activities",
        data=form() | {"photos": photos(2)},
        headers=auth(r["owner_token"]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["photos"] == 2 and body["review"]["status"]["code"] == "submitted"
    assert body["volunteer_hours"] == 7.5 and body["participants"] == 30
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "activity.recorded", AuditEvent.object_id == project.id
        )
    )
    assert event.api_token_id == r["owner_token"].token.id
    listed = client.get(
        f"/api/v1/projects/{project.id}/activities", headers=auth(r["read_token"])
    ).get_json()
    assert [a["id"] for a in listed["items"]] == [body["id"]] and listed["items"][0]["photos"] == 2


def test_every_problem_of_a_record_is_named_by_its_field(client, r):
    project = r["project"]
    url = f"/api/v1/projects/{project.id}/activities"
    response = client.post(
        url,
        data=form(title=None, domain="astrology", participants="many", volunteer_hours="1e9"),
        headers=auth(r["owner_token"]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert {p["field"] for p in response.get_json()["errors"]} == {
        "title",
        "domain",
        "participants",
        "volunteer_hours",
    }
    too_many = client.post(
        url,
        data=form(held_on=(local_today() + timedelta(days=3)).isoformat()) | {"photos": photos(10)},
        headers=auth(r["owner_token"]),
        content_type="multipart/form-data",
    )
    assert too_many.status_code == 422
    fields = {p["field"] for p in too_many.get_json()["errors"]}
    assert fields == {"held_on", "photos"}
    assert db.session.scalar(select(func.count()).select_from(ActivityRecord)) == 0


def test_a_read_token_cannot_record(client, r):
    response = client.post(
        f"/api/v1/projects/{r['project'].id}/activities",
        data=form(),
        headers=auth(r["read_token"]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ActivityRecord)) == 0


def test_the_record_shows_its_review(client, r):
    project = r["project"]
    created = client.post(
        f"/api/v1/projects/{project.id}/activities",
        data=form(),
        headers=auth(r["owner_token"]),
        content_type="multipart/form-data",
    ).get_json()
    record = db.session.get(ActivityRecord, created["id"])
    activities.return_activity(activity=record, comment="请补充签到表", actor=r["admin"])
    db.session.commit()
    shown = client.get(created["url"], headers=auth(r["read_token"])).get_json()
    assert shown["review"]["status"]["code"] == "returned"
    assert shown["review"]["comment"] == "请补充签到表" and shown["review"]["reviewed_at"]
    other = client.get(created["url"], headers=auth(r["other_token"]))
    assert other.status_code == 404
