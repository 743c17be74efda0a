"""Log in, log out, the session, redirects and rate limiting."""

from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.conftest import PASSWORD


def test_wrong_password_is_refused_and_audited(client, make):
    user = make.user()
    page = client.post("/auth/login", data={"email": user.email, "password": "nope-nope"})
    assert page.status_code == 200
    assert "电子邮箱或密码错误" in page.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # still not signed in
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "users", AuditEvent.object_id == user.id
        )
    ).all()
    assert "user.login_failed" in actions


def test_unknown_email_gets_the_same_message(client):
    page = client.post("/auth/login", data={"email": "ghost@test.local", "password": "whatever1"})
    assert "电子邮箱或密码错误" in page.get_data(as_text=True)


def test_login_regenerates_the_session_and_logout_ends_it(client, make):
    user = make.user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post("/auth/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.session_token
    assert client.get("/profile").status_code == 200
    client.post("/auth/logout")
    assert client.get("/profile").status_code == 302


def test_next_redirects_only_to_local_paths(client, make):
    user = make.user()
    for target, expected in [
        ("/profile", "/profile"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = client.post(
            "/auth/login",
            query_string={"next": target},
            data={"email": user.email, "password": PASSWORD},
        )
        assert response.location == expected, target
        client.post("/auth/logout")


def test_deactivated_user_cannot_log_in_and_is_signed_out(client, make, login_as, app):
    admin = make.user(role=Role.DISTRICT_ADMIN)
    user = make.user()
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/profile").status_code == 200
    login_as(admin)
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert other.get("/profile").status_code == 302
    page = other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert page.status_code == 200


def test_password_change_signs_out_other_sessions(client, make, app):
    user = make.user()
    other = app.test_client()
    other.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    response = client.post(
        "/profile/password",
        data={
            "pw-current_password": PASSWORD,
            "pw-new_password": "another-secret",
            "pw-confirm": "another-secret",
        },
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302


def test_login_attempts_are_rate_limited(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "10 per minute")  # per address
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_MAX_FAILURES", 50)  # not the account's
    user = make.user()
    codes = [
        client.post("/auth/login", data={"email": user.email, "password": "wrong-pass"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429
    page = client.post("/auth/login", data={"email": user.email, "password": "wrong-pass"})
    assert "请求过于频繁" in page.get_data(as_text=True)
