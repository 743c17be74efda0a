"""Per-account log-in protection: wrong passwords spread over many addresses still pause the
account; its owner is told and can reset by e-mail; an office behind one address is not
throttled in normal work."""

from datetime import timedelta

from sqlalchemy import func, select

from microventure.accounts import services
from microventure.core import history
from microventure.core.models import AuditEvent
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.models import Notification
from tests.conftest import PASSWORD


def _post_login(app, email, password, address):
    return app.test_client().post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _actions(user):
    return db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id)
    ).all()


def _guess_from_many_addresses(app, user, count):
    return [
        _post_login(app, user.email, f"guess-{n:04d}", f"198.51.100.{n + 1}") for n in range(count)
    ]


def test_guesses_spread_over_addresses_pause_the_account(app, make):
    user = make.user()
    limit = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    pages = _guess_from_many_addresses(app, user, limit)
    assert [p.status_code for p in pages[:-1]] == [200] * (limit - 1)
    assert pages[-1].status_code == 429
    assert "暂停" in pages[-1].get_data(as_text=True)
    # the right password from yet another address does not log in during the pause
    page = _post_login(app, user.email, PASSWORD, "203.0.113.9")
    assert page.status_code == 429
    assert "暂停" in page.get_data(as_text=True)
    actions = _actions(user)
    assert actions.count("user.login_failed") == limit
    assert actions.count("user.login_paused") == 1
    assert actions[-1] == "user.login_refused"
    assert "user.logged_in" not in actions
    # the owner is told once, with a link to reset the password
    notices = db.session.scalars(
        select(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == "account.login_paused"
        )
    ).all()
    assert len(notices) == 1
    assert notices[0].link == "/auth/forgot"


def test_the_pause_ends_when_the_failures_age_out(app, make, monkeypatch):
    user = make.user()
    _guess_from_many_addresses(app, user, app.config["LOGIN_ACCOUNT_MAX_FAILURES"])
    assert _post_login(app, user.email, PASSWORD, "203.0.113.9").status_code == 429
    later = utcnow() + timedelta(minutes=app.config["LOGIN_ACCOUNT_LOCK_MINUTES"] + 1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert _post_login(app, user.email, PASSWORD, "203.0.113.9").status_code == 302


def test_a_password_reset_by_email_ends_the_pause(app, make):
    from microventure.accounts import recovery

    user = make.user()
    _guess_from_many_addresses(app, user, app.config["LOGIN_ACCOUNT_MAX_FAILURES"])
    recovery.reset_password(user=user, new="a-brand-new-secret")
    db.session.commit()
    assert _post_login(app, user.email, "a-brand-new-secret", "203.0.113.9").status_code == 302


def test_the_forgot_page_still_works_during_a_pause(app, make):
    user = make.user()
    _guess_from_many_addresses(app, user, app.config["LOGIN_ACCOUNT_MAX_FAILURES"])
    response = app.test_client().post("/auth/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert "user.password_reset_requested" in _actions(user)


def test_a_login_starts_a_new_count(app, make):
    user = make.user()
    limit = app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    _guess_from_many_addresses(app, user, limit - 1)
    assert _post_login(app, user.email, PASSWORD, "203.0.113.9").status_code == 302
    pages = _guess_from_many_addresses(app, user, limit - 1)
    assert {p.status_code for p in pages} == {200}
    assert _post_login(app, user.email, PASSWORD, "203.0.113.9").status_code == 302
    assert "user.login_paused" not in _actions(user)


def test_an_office_behind_one_address_logs_in_all_morning(app, make):
    """Thirty staff and a few typos each, all from the office's one public address."""
    staff = [make.user() for _ in range(30)]
    codes = []
    for user in staff:
        codes.append(_post_login(app, user.email, "typo-typo", "192.0.2.10").status_code)
        codes.append(_post_login(app, user.email, PASSWORD, "192.0.2.10").status_code)
    assert codes == [200, 302] * 30


def test_a_signup_drive_from_one_address_is_not_throttled(app):
    client = app.test_client()
    codes = [
        client.post("/auth/signup", data={}, environ_base={"REMOTE_ADDR": "192.0.2.11"}).status_code
        for _ in range(40)
    ]
    assert set(codes) == {200}  # the form again (nothing filled), never 429


def test_reset_links_to_one_account_are_limited_across_addresses(app, make):
    user = make.user()
    codes = [
        app.test_client()
        .post(
            "/auth/forgot",
            data={"email": user.email},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
        )
        .status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]
    requested = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.object_id == user.id, AuditEvent.action == "user.password_reset_requested"
        )
    )
    assert requested == 5


def test_the_pause_has_sentences_in_the_history():
    assert "user.login_paused" in history.PEOPLE
    assert "user.login_refused" in history.PEOPLE
