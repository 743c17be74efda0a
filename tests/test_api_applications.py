"""The applicant's applications through the API with a personal access token: the token's
refusals (401 with a reason, 403 for a read token writing), the list, starting a draft once,
saving it, submitting with every problem named by its field, the audit naming the token, and
the rate limit per token."""

import io
from dataclasses import asdict

import pytest
from sqlalchemy import select

from microventure.accounts import api_tokens
from microventure.accounts.models import Role, TokenScope
from microventure.applications.models import Application
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.helpers_calls import complete_content, make_call, make_fund

EN = {"Accept-Language": "en"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(app, make, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    applicant = make.user(locale="en")
    org = make.organization(street=street, owner=applicant)
    outsider = make.user()
    make.organization(street=street, owner=outsider)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    write = api_tokens.create_token(user=applicant, name="w", scope=TokenScope.WRITE, days=30)
    read = api_tokens.create_token(user=applicant, name="r", scope=TokenScope.READ, days=30)
    other = api_tokens.create_token(user=outsider, name="o", scope=TokenScope.WRITE, days=30)
    db.session.commit()
    return {
        "call": call,
        "org": org,
        "applicant": applicant,
        "write": write,
        "read": read,
        "other": other,
    }


def auth(new_token) -> dict:
    return {"Authorization": f"Bearer {new_token.secret}", **EN}


def draft_json(call) -> dict:
    content = asdict(complete_content(call))
    content["domain"] = content["domain"].value
    content.pop("answers")
    for line in content["budget_lines"]:
        line["category"] = line["category"].value
        line["source"] = line["source"].value
        line["unit_price_fen"] = line.pop("unit_price")
    return content


def test_without_a_valid_token_the_answer_is_401_with_the_reason(client, world):
    response = client.get("/api/v1/applications", headers=EN)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.get_json()["reason"] == "missing"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    api_tokens.revoke_token(token=world["write"].token, actor=world["applicant"])
    db.session.commit()
    response = client.get("/api/v1/applications", headers=auth(world["write"]))
    body = response.get_json()
    assert response.status_code == 401 and body["reason"] == "revoked"
    assert (
        "revoked" in body["detail"]
        and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    )


def test_a_session_cookie_does_not_open_the_api(client, login_as, world):
    login_as(world["applicant"])
    assert client.get("/api/v1/applications", headers=EN).status_code == 401
    response = client.post("/api/v1/applications", json={"call_id": world["call"].id})
    assert response.status_code == 401
    assert db.session.scalar(select(Application.id)) is None


def test_a_read_token_reads_but_may_not_write(client, world):
    assert client.get("/api/v1/applications", headers=auth(world["read"])).status_code == 200
    response = client.post(
        "/api/v1/applications", json={"call_id": world["call"].id}, headers=auth(world["read"])
    )
    assert response.status_code == 403 and response.get_json()["reason"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert db.session.scalar(select(Application.id)) is None


def test_a_draft_is_started_once_saved_checked_and_submitted(client, world):
    headers, call = auth(world["write"]), world["call"]
    first = client.post("/api/v1/applications", json={"call_id": call.id}, headers=headers)
    assert first.status_code == 201, first.get_json()
    draft = first.get_json()
    assert draft["status"]["code"] == "draft" and draft["editable"] is True
    assert {p["field"] for p in draft["problems"]} >= {"title", "budget_lines", "attachments"}
    again = client.post("/api/v1/applications", json={"call_id": call.id}, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == draft["id"]
    assert len(db.session.scalars(select(Application)).all()) == 1

    content = draft_json(call)
    content["budget_lines"][0]["item"] = " "  # a draft may have a line without its item
    saved = client.put(f"/api/v1/applications/{draft['id']}", json=content, headers=headers)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (
        body["title"] == "长者智能手机课堂" and body["budget_lines"][0]["unit_price_fen"] == 100_000
    )
    assert body["requested_fen"] == 25_000_00

    refused = client.post(f"/api/v1/applications/{draft['id']}/submit", headers=headers)
    assert refused.status_code == 422
    fields = {p["field"]: p["message"] for p in refused.get_json()["errors"]}
    assert fields == {
        "budget_lines.0.item": "Say what the line pays for.",
        "attachments": "Attach the Project plan.",
    }
    content["budget_lines"][0]["item"] = "课堂物料"
    client.put(f"/api/v1/applications/{draft['id']}", json=content, headers=headers)
    wrong = client.post(
        f"/api/v1/applications/{draft['id']}/attachments",
        data={"kind": "project_plan", "file": (io.BytesIO(b"MZ\x90\x00"), "plan.exe")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "file"
    attached = client.post(
        f"/api/v1/applications/{draft['id']}/attachments",
        data={"kind": "project_plan", "file": (io.BytesIO(PDF), "plan.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert attached.status_code == 201, attached.get_json()
    assert [a["name"] for a in attached.get_json()["attachments"]] == ["plan.pdf"]
    assert attached.get_json()["problems"] == []
    submitted = client.post(f"/api/v1/applications/{draft['id']}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["reference"] and submitted.get_json()["editable"] is False
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "application.submitted", AuditEvent.object_id == draft["id"]
        )
    )
    assert event.api_token_id == world["write"].token.id
    assert event.actor_id == world["applicant"].id
    twice = client.post(f"/api/v1/applications/{draft['id']}/submit", headers=headers)
    assert twice.status_code == 409
    listed = client.get("/api/v1/applications", headers=headers).get_json()
    assert [a["reference"] for a in listed["items"]] == [submitted.get_json()["reference"]]


def test_bad_data_is_a_422_naming_each_field(client, world):
    headers = auth(world["write"])
    draft = client.post(
        "/api/v1/applications", json={"call_id": world["call"].id}, headers=headers
    ).get_json()
    content = draft_json(world["call"])
    content["title"] = "a\x00b"
    content["budget_lines"][1]["quantity"] = 0
    content["domain"] = "astrology"
    response = client.put(f"/api/v1/applications/{draft['id']}", json=content, headers=headers)
    assert response.status_code == 422
    fields = {p["field"] for p in response.get_json()["errors"]}
    assert fields == {"title", "budget_lines.1.quantity", "domain"}
    assert db.session.get(Application, draft["id"]).title == ""


def test_another_organisations_application_is_not_found(client, world):
    draft = client.post(
        "/api/v1/applications", json={"call_id": world["call"].id}, headers=auth(world["write"])
    ).get_json()
    other = auth(world["other"])
    assert client.get(f"/api/v1/applications/{draft['id']}", headers=other).status_code == 404
    put = client.put(f"/api/v1/applications/{draft['id']}", json={}, headers=other)
    assert put.status_code == 404
    assert client.get("/api/v1/applications", headers=other).get_json()["items"] == []


def test_the_rate_limit_counts_per_token(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATELIMIT", "2 per minute")
    for _ in range(2):
        assert client.get("/api/v1/applications", headers=auth(world["read"])).status_code == 200
    limited = client.get("/api/v1/applications", headers=auth(world["read"]))
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    # another token of the same user, from the same address, has its own budget
    assert client.get("/api/v1/applications", headers=auth(world["write"])).status_code == 200


@pytest.mark.no_transaction
def test_simultaneous_starts_make_one_draft(postgres_app):
    """Five clients POST the same start at once (a flaky network's retries): one draft, whose
    id every answer gives."""
    import threading

    from tests.conftest import Factory

    app = postgres_app
    with app.app_context():
        make = Factory()
        street = make.street()
        admin = make.user(role=Role.STREET_ADMIN, street=street)
        call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
        owner = make.user()
        make.organization(street=street, owner=owner)
        new = api_tokens.create_token(user=owner, name="w", scope=TokenScope.WRITE, days=9)
        call_id, secret = call.id, new.secret
        db.session.commit()
    barrier = threading.Barrier(5)
    answers: list = []

    def start() -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        response = client.post(
            "/api/v1/applications",
            json={"call_id": call_id},
            headers={"Authorization": f"Bearer {secret}"},
        )
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=start) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(code for code, _ in answers) == [200, 200, 200, 200, 201]
    assert len({id_ for _, id_ in answers}) == 1
    with app.app_context():
        assert len(db.session.scalars(select(Application.id)).all()) == 1
