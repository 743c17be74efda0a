"""The outbox against real services: Redis, a Celery worker from the app's own Celery instance,
and an SMTP server (aiosmtpd) in this process."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from microventure.accounts import organizations
from microventure.accounts.models import Role, VerificationStatus
from microventure.extensions import db
from microventure.notifications import delivery, services, tasks
from microventure.notifications.models import Delivery, Notification
from microventure.notifications.tasks import sweep_outbox
from tests import helpers_outbox
from tests.conftest import Factory, build_schema

pytestmark = pytest.mark.no_transaction


def make_app(tmp_path, smtp_port: int, broker: str | None, **extra):
    return helpers_outbox.make_app(
        f"sqlite:///{tmp_path / 'mail.sqlite'}", smtp_port, broker, **extra
    )


def verify_an_organisation(app, locales=("zh_CN", "en")):
    """An organisation with members in two languages becomes verified; returns its id."""
    with app.app_context():
        make = Factory()
        street = make.street()
        district = make.user(role=Role.DISTRICT_ADMIN)
        owner = make.user(email="owner@test.local", locale=locales[0])
        org = make.organization(street=street, owner=owner, status=VerificationStatus.PENDING)
        member = make.user(email="member@test.local", locale=locales[1])
        organizations.add_member(
            organization=org, email=member.email, name="", password="", actor=owner
        )
        organizations.set_verification(
            organization=org, status=VerificationStatus.VERIFIED, actor=district
        )
        db.session.commit()
        tasks.dispatch_committed(db.session())
        return org.id, org.name


def by_recipient(messages):
    return {str(m["To"]).split("<")[-1].rstrip(">"): m for m in messages}


def test_an_event_is_mailed_by_the_worker_in_each_recipients_language(tmp_path, mailbox, redis_url):
    handler, port = mailbox
    app = make_app(tmp_path, port, redis_url)
    build_schema(app)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        org_id, name = verify_an_organisation(app)
        messages = by_recipient(handler.wait_for(2))
    assert set(messages) == {"owner@test.local", "member@test.local"}
    chinese, english = messages["owner@test.local"], messages["member@test.local"]
    assert chinese["Subject"] == f"{name}已通过认证"
    assert english["Subject"] == f"{name} is verified"
    link = f"https://grants.example.org/organizations/{org_id}"
    for message in (chinese, english):
        assert link in message.get_body(("plain",)).get_content()
        assert link in message.get_body(("html",)).get_content()
    with app.app_context():
        assert {n.email for n in db.session.scalars(select(Notification))} == {Delivery.SENT}


def test_with_the_broker_down_the_event_commits_and_the_sweep_delivers_later(
    tmp_path, mailbox, redis_url
):
    handler, port = mailbox
    down = make_app(tmp_path, port, "redis://127.0.0.1:1/0")  # nothing listens there
    build_schema(down)
    verify_an_organisation(down)  # dispatch fails quietly: the broker is unreachable
    with down.app_context():
        pending = db.session.scalars(select(Notification)).all()
        assert len(pending) == 2 and {n.email for n in pending} == {Delivery.PENDING}
    assert handler.messages == []

    back = make_app(tmp_path, port, redis_url)  # the broker is back
    with start_worker(back.extensions["celery"], pool="solo", perform_ping_check=False):
        with back.app_context():
            back.extensions["celery"].tasks[sweep_outbox.name].delay()
        assert len(handler.wait_for(2)) == 2


def test_a_delivery_run_twice_sends_once(tmp_path, mailbox, redis_url):
    handler, port = mailbox
    app = make_app(tmp_path, port, redis_url)
    build_schema(app)
    with app.app_context():
        make = Factory()
        user = make.user()
        (notification,) = services.notify(
            recipients=[user],
            kind="organization.verified",
            link="/profile",
            key="once",
            organization="某机构",
            reason="",
        )
        db.session.commit()
        notification_id = notification.id
    celery = app.extensions["celery"]
    task = celery.tasks["microventure.notifications.tasks.deliver_notification"]
    with start_worker(celery, pool="solo", perform_ping_check=False):
        with app.app_context():
            task.delay(notification_id)
            task.delay(notification_id)
        handler.wait_for(1)
        time.sleep(1)  # room for a second e-mail, if the claim let one through
    assert len(handler.messages) == 1


def test_a_server_answering_try_later_leads_to_retries_then_failed(tmp_path, mailbox):
    handler, port = mailbox
    handler.data_replies = ["451 4.3.0 Try again later"] * 3
    app = make_app(tmp_path, port, None, MAIL_MAX_ATTEMPTS=3)
    build_schema(app)
    with app.app_context():
        make = Factory()
        user = make.user()
        (notification,) = services.notify(
            recipients=[user],
            kind="organization.verified",
            link="/profile",
            key="refused",
            organization="某机构",
            reason="",
        )
        db.session.commit()
        notification_id = notification.id
        db.session.rollback()  # end this session's read snapshot; delivery has its own session
        outcomes = [delivery.deliver(notification_id) for _ in range(3)]
        assert not delivery.deliver(notification_id)  # failed: no fourth attempt
        notification = db.session.get(Notification, notification_id)
    assert [attempt.sent for attempt in outcomes] == [False, False, False]
    assert notification.email is Delivery.FAILED
    assert notification.attempts == 3
    assert "451 4.3.0 Try again later" in notification.last_error
    assert handler.messages == []
