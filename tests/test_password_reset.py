"""Password reset by an e-mailed, single-use, expiring link; e-mail address confirmation."""

from sqlalchemy import select

from microventure.accounts.models import User
from microventure.extensions import db
from microventure.notifications.models import Notification
from tests.conftest import PASSWORD


def reset_link(user) -> str:
    notification = db.session.scalars(
        select(Notification)
        .where(Notification.recipient_id == user.id, Notification.kind == "account.password_reset")
        .order_by(Notification.id.desc())
    ).first()
    assert notification.link in notification.body_text
    return notification.link


def test_reset_link_works_once(client, make):
    user = make.user()
    response = client.post("/auth/forgot", data={"email": user.email})
    assert response.status_code == 302
    link = reset_link(user)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    ok = client.post("/auth/login", data={"email": user.email, "password": "brand-new-pass"})
    assert ok.status_code == 302
    client.post("/auth/logout")
    again = client.get(link)  # spent: the password it would replace is gone
    assert again.status_code == 302 and again.location.endswith("/auth/forgot")
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_reset_link_expires(app, client, make, monkeypatch):
    user = make.user()
    client.post("/auth/forgot", data={"email": user.email})
    link = reset_link(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.post(link, data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.location.endswith("/auth/forgot")
    assert (
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )


def test_unknown_address_gets_the_same_answer_and_no_message(client, make):
    known = client.post("/auth/forgot", data={"email": make.user().email})
    unknown = client.post("/auth/forgot", data={"email": "nobody@test.local"})
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    assert (
        db.session.scalar(
            select(Notification.id).where(Notification.body_text.contains("nobody@test.local"))
        )
        is None
    )


def test_a_tampered_link_is_refused(client, make):
    user = make.user()
    client.post("/auth/forgot", data={"email": user.email})
    link = reset_link(user)
    assert client.get(link[:-2] + "xx").location.endswith("/auth/forgot")


def test_sign_up_sends_a_confirmation_link_that_confirms(client, make):
    from tests.test_signup_and_verification import signup_form

    client.post("/auth/signup", data=signup_form(make.street()))
    user = db.session.scalar(select(User).where(User.email == "chen@example.org"))
    assert user.email_confirmed_at is None
    notification = db.session.scalar(
        select(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == "account.confirm_email"
        )
    )
    client.get(notification.link)
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_an_unconfirmed_user_can_ask_for_the_link_again(client, make, login_as):
    user = make.user()
    login_as(user)
    assert "csrf_token" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/confirmation")
    link = db.session.scalar(
        select(Notification.link).where(
            Notification.recipient_id == user.id, Notification.kind == "account.confirm_email"
        )
    )
    client.get(link)
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
