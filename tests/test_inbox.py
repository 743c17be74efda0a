"""The in-app inbox, e-mail preferences and the district admin's undelivered e-mails."""

import re

import pytest
from sqlalchemy import select

from microventure.accounts.models import Role
from microventure.extensions import db
from microventure.notifications import services, tasks
from microventure.notifications.models import Delivery, EmailPreference, Notification

KIND = "organization.verified"


def notify(user, key: str, organization: str = "X", link: str = "/profile") -> Notification:
    (notification,) = services.notify(
        recipients=[user], kind=KIND, link=link, key=key, organization=organization, reason=""
    )
    db.session.flush()
    return notification


def unread_badge(html: str) -> int | None:
    match = re.search(r'data-testid="unread-count">(\d+)<', html)
    return int(match.group(1)) if match else None


def inbox_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-notification="(\d+)"', html)]


def test_inbox_lists_own_notifications_newest_first(client, make, login_as):
    me, other = make.user(), make.user()
    first = notify(me, "a", organization="甲机构")
    second = notify(me, "b", organization="乙机构")
    theirs = notify(other, "c", organization="丙机构")
    login_as(me)

    html = client.get("/inbox").get_data(as_text=True)

    assert inbox_ids(html) == [second.id, first.id]
    assert "甲机构" in html and "乙机构" in html
    assert "丙机构" not in html and theirs.id not in inbox_ids(html)


def test_unread_badge_counts_and_drops_after_opening(client, make, login_as):
    me = make.user()
    notifications = [notify(me, key) for key in ("a", "b", "c")]
    login_as(me)
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) == 3

    response = client.get(f"/inbox/{notifications[0].id}")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile")
    assert db.session.get(Notification, notifications[0].id).read_at is not None
    assert unread_badge(client.get("/calls").get_data(as_text=True)) == 2


def test_no_badge_without_unread_and_no_inbox_for_anonymous(client, make, login_as):
    html = client.get("/calls").get_data(as_text=True)
    assert 'data-testid="inbox-link"' not in html
    assert client.get("/inbox").status_code == 302  # to the login page

    login_as(make.user())
    html = client.get("/calls").get_data(as_text=True)
    assert 'data-testid="inbox-link"' in html and unread_badge(html) is None


def test_opening_someone_elses_notification_is_404(client, make, login_as):
    me, other = make.user(), make.user()
    theirs = notify(other, "a")
    login_as(me)

    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_an_offsite_link_is_not_followed(client, make, login_as):
    me = make.user()
    notification = notify(me, "a", link="//evil.example/x")
    login_as(me)

    response = client.get(f"/inbox/{notification.id}")

    assert response.headers["Location"].endswith("/inbox")


def test_mark_all_read(client, make, login_as):
    me, other = make.user(), make.user()
    for key in ("a", "b"):
        notify(me, key)
    notify(other, "c")
    login_as(me)

    response = client.post("/inbox/read")

    assert response.status_code == 302
    assert services.unread_count(me) == 0
    assert services.unread_count(other) == 1
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) is None


def test_preferences_default_to_everything_and_save_opt_outs(
    app, client, make, login_as, monkeypatch
):
    me = make.user()
    login_as(me)
    html = client.get("/inbox/preferences").get_data(as_text=True)
    assert html.count("checked") == len(services.KINDS)

    emailed = [k for k in services.KINDS if k != KIND]
    response = client.post("/inbox/preferences", data={"emailed_kinds": emailed})

    assert response.status_code == 302
    assert db.session.scalars(
        select(EmailPreference.kind).where(EmailPreference.user_id == me.id)
    ).all() == [KIND]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    assert notify(me, "a").email is Delivery.SKIPPED
    (other_kind,) = services.notify(
        recipients=[me],
        kind="organization.rejected",
        link="/",
        key="r",
        organization="X",
        reason=".",
    )
    assert other_kind.email is Delivery.PENDING
    assert notify(me, "a2").read_at is None  # the inbox still receives it


def test_preferences_reject_an_unknown_kind(client, make, login_as):
    me = make.user()
    login_as(me)

    response = client.post("/inbox/preferences", data={"emailed_kinds": ["no.such.kind"]})

    assert response.status_code == 200
    assert (
        db.session.scalars(select(EmailPreference).where(EmailPreference.user_id == me.id)).all()
        == []
    )


@pytest.mark.parametrize("role", [None, Role.STREET_ADMIN, Role.REVIEWER])
def test_failed_page_is_for_district_admins_only(client, make, login_as, role):
    street = make.street() if role is Role.STREET_ADMIN else None
    notification = notify(make.user(), "a")
    login_as(make.user(role=role, street=street))

    assert client.get("/admin/notifications/failed").status_code == 403
    assert client.post(f"/admin/notifications/{notification.id}/resend").status_code == 403


def _undelivered(user, key: str, status: Delivery, attempts: int) -> Notification:
    notification = notify(user, key)
    notification.email, notification.attempts = status, attempts
    notification.last_error = f"SMTPServerDisconnected: {key}"
    db.session.flush()
    return notification


def test_failed_page_lists_failed_and_retrying(client, make, login_as):
    recipient = make.user(name="收件人甲")
    failed = _undelivered(recipient, "f", Delivery.FAILED, 5)
    retrying = _undelivered(recipient, "r", Delivery.PENDING, 2)
    waiting = _undelivered(recipient, "w", Delivery.PENDING, 0)
    sent = _undelivered(recipient, "s", Delivery.SENT, 1)
    login_as(make.user(role=Role.DISTRICT_ADMIN))

    html = client.get("/admin/notifications/failed").get_data(as_text=True)

    failed_table, retrying_table = html.split('data-testid="retrying"')
    assert inbox_ids(failed_table) == [failed.id]
    assert inbox_ids(retrying_table) == [retrying.id]
    assert "收件人甲" in html and "SMTPServerDisconnected: f" in html
    assert waiting.id not in inbox_ids(html) and sent.id not in inbox_ids(html)


def test_resend_puts_the_row_back_in_the_outbox(app, client, make, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    handed_over = []
    monkeypatch.setattr(
        tasks,
        "dispatch_committed",
        lambda session: handed_over.extend(session.info.pop("outbox_ids", [])),
    )
    failed = _undelivered(make.user(), "f", Delivery.FAILED, 5)
    login_as(make.user(role=Role.DISTRICT_ADMIN))

    response = client.post(f"/admin/notifications/{failed.id}/resend")

    assert response.status_code == 302
    db.session.refresh(failed)
    assert (failed.email, failed.attempts) == (Delivery.PENDING, 0)
    assert handed_over == [failed.id]  # given to Celery after the commit


def test_inbox_query_count_does_not_grow(client, make, login_as, count_queries):
    me = make.user()
    for n in range(3):
        notify(me, f"k{n}")
    login_as(me)
    with count_queries() as few:
        assert client.get("/inbox").status_code == 200
    for n in range(3, 30):
        notify(me, f"k{n}")
    with count_queries() as many:
        html = client.get("/inbox").get_data(as_text=True)

    assert len(inbox_ids(html)) == 20 and unread_badge(html) == 30
    assert many.count == few.count, many.statements
