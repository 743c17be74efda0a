"""The outbox under faults, against a real SMTP server (aiosmtpd), Redis and Celery workers:
permanent and transient refusals, unexpected errors, a worker killed after the server accepted,
retries as tasks, one sweep at a time, resends, and hosts whose clocks disagree."""

import signal
import time
from datetime import datetime, timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from sqlalchemy import update

from microventure import create_app
from microventure.accounts.models import Role
from microventure.core import jobs
from microventure.extensions import db
from microventure.notifications import delivery, services, tasks
from microventure.notifications.models import Delivery, Notification
from tests.conftest import PASSWORD, Factory, build_schema
from tests.helpers_outbox import make_app, worker_process


def queue_one(organization: str = "某机构", key: str = "k") -> int:
    """One notification to a new user, committed; its id."""
    (notification,) = services.notify(
        recipients=[Factory().user()],
        kind="organization.verified",
        link="/profile",
        key=key,
        organization=organization,
        reason="",
    )
    db.session.commit()
    return notification.id


def row(notification_id: int) -> Notification:
    db.session.rollback()  # a fresh read: delivery wrote in sessions of its own
    return db.session.get(Notification, notification_id)


@pytest.fixture
def outbox(tmp_path, mailbox):
    """An embedded app (no broker) on a database file, e-mailing the test's SMTP server."""
    handler, port = mailbox

    def build(broker: str | None = None, **extra):
        app = make_app(f"sqlite:///{tmp_path / 'outbox.sqlite'}", port, broker, **extra)
        build_schema(app)
        return app

    return handler, port, build


# -------------------------------------------------------------------- refusals and errors


@pytest.mark.no_transaction
@pytest.mark.parametrize(
    "refusal",
    [
        ("data_replies", ["550 5.7.1 Message refused as spam"]),
        ("rcpt_reply", "550 5.1.1 No such mailbox"),
    ],
)
def test_a_permanent_refusal_ends_failed_at_once_with_the_servers_answer(outbox, refusal):
    handler, _port, build = outbox
    name, answer = refusal
    expected = answer[0] if isinstance(answer, list) else answer
    setattr(handler, name, answer)
    app = build(MAIL_MAX_ATTEMPTS=5)
    with app.app_context():
        notification_id = queue_one()
        attempt = delivery.deliver(notification_id)
        notification = row(notification_id)
    assert not attempt.sent and attempt.retry_in is None
    assert (notification.email, notification.attempts) == (Delivery.FAILED, 1)
    assert notification.last_error == expected  # the server's own words


@pytest.mark.no_transaction
def test_a_transient_refusal_backs_off_then_goes_out(outbox):
    handler, _port, build = outbox
    handler.data_replies = ["451 4.7.1 Greylisted, try again later"]
    app = build(MAIL_RETRY_SECONDS=60)
    with app.app_context():
        notification_id = queue_one()
        first = delivery.deliver(notification_id)
        waiting = row(notification_id)
        waiting = (waiting.email, waiting.last_error, waiting.claimed_at, waiting.next_attempt_at)
        too_soon = delivery.deliver(notification_id)
        db.session.execute(  # a minute later
            update(Notification).values(next_attempt_at=waiting[3] - timedelta(seconds=61))
        )
        db.session.commit()
        second = delivery.deliver(notification_id)
        sent = row(notification_id)
    email, error, claimed_at, next_attempt_at = waiting
    assert first.retry_in == 60 and email is Delivery.PENDING
    assert error == "451 4.7.1 Greylisted, try again later"
    assert next_attempt_at > claimed_at + timedelta(seconds=59)
    assert not too_soon and second.sent
    assert (sent.email, sent.attempts, len(handler.messages)) == (Delivery.SENT, 2, 1)


@pytest.mark.no_transaction
def test_an_unexpected_error_counts_as_an_attempt_and_ends_failed(outbox):
    """A line break in a subject makes the e-mail library raise ValueError (not an SMTP
    error): the delivery is an attempt like any other, never a row left 'sending'."""
    _handler, _port, build = outbox
    app = build(MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        notification_id = queue_one(organization="第一行\n第二行")
        attempts = [delivery.deliver(notification_id) for _ in range(3)]
        notification = row(notification_id)
    assert [a.sent for a in attempts] == [False, False, False]
    assert (notification.email, notification.attempts) == (Delivery.FAILED, 2)
    assert notification.last_error.startswith("ValueError")


def test_deliveries_that_never_finished_are_listed_for_the_admin(
    app, client, make, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    handed_over = []
    monkeypatch.setattr(
        tasks, "dispatch_committed", lambda s: handed_over.extend(s.info.pop("outbox_ids", []))
    )
    if True:
        (stuck,) = services.notify(
            recipients=[make.user()],
            kind="organization.verified",
            link="/profile",
            key="stuck",
            organization="卡住的机构",
            reason="",
        )
        (recent,) = services.notify(
            recipients=[make.user()],
            kind="organization.verified",
            link="/profile",
            key="recent",
            organization="正在发送的机构",
            reason="",
        )
        long_ago = datetime.now().astimezone() - timedelta(hours=1)
        stuck.email, stuck.claimed_at, stuck.attempts = Delivery.SENDING, long_ago, 1
        recent.email, recent.claimed_at, recent.attempts = (
            Delivery.SENDING,
            datetime.now().astimezone(),
            1,
        )
        db.session.flush()
        login_as(make.user(role=Role.DISTRICT_ADMIN))

        page = client.get("/admin/notifications/failed").get_data(as_text=True)
        listed = page.split('data-testid="unfinished"')[1]
        assert f'data-notification="{stuck.id}"' in listed
        assert f'data-notification="{recent.id}"' not in page  # its worker may still be at it
        assert client.post(f"/admin/notifications/{stuck.id}/resend").status_code == 302
        db.session.refresh(stuck)
        assert (stuck.email, stuck.attempts) == (Delivery.PENDING, 0)
        assert handed_over == [stuck.id]


# -------------------------------------------------------- a worker killed after SMTP accepted


def test_the_stale_claim_timeout_is_a_setting_of_a_few_minutes():
    config = create_app("testing", RATELIMIT_STORAGE_URI="memory://").config
    assert 60 <= config["MAIL_STALE_CLAIM_SECONDS"] <= 300


@pytest.mark.no_transaction
@pytest.mark.redis
def test_a_worker_killed_after_the_server_accepted_repeats_with_the_same_message_id(
    outbox, own_redis, tmp_path
):
    handler, port, build = outbox
    app = build(own_redis.url, MAIL_STALE_CLAIM_SECONDS=2)
    handler.stall_quit.set()  # the server accepts the message, then keeps the worker at QUIT
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": own_redis.url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
    }
    with worker_process(app, **settings) as worker, app.app_context():
        notification_id = queue_one()
        tasks.dispatch_committed(db.session())
        assert handler.accepted.wait(30)
        worker.send_signal(signal.SIGKILL)  # before it could record the e-mail as sent
        worker.wait(10)
    handler.stall_quit.clear()
    with app.app_context():
        assert row(notification_id).email is Delivery.SENDING
        assert delivery.due_ids() == []  # its claim is not stale yet
        time.sleep(2.5)
        assert delivery.due_ids() == [notification_id]  # reclaimed after the setting's seconds
        assert delivery.deliver(notification_id).sent
        notification = row(notification_id)
    assert (notification.email, notification.attempts) == (Delivery.SENT, 2)
    first, again = handler.message_ids()  # at least once: sent twice, recognisably the same
    assert first == again and first.startswith(f"<notification-{notification_id}.")


# ---------------------------------------------------------------- retries, sweeps, resends


@pytest.mark.no_transaction
@pytest.mark.redis
def test_a_retry_is_a_task_with_its_countdown_not_a_wait_for_the_sweep(outbox, own_redis):
    handler, _port, build = outbox
    handler.data_replies = ["421 4.3.2 Service not available, try later"]
    app = build(own_redis.url, MAIL_RETRY_SECONDS=1)
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        with app.app_context():
            notification_id = queue_one()
            tasks.dispatch_committed(db.session())
        started = time.monotonic()
        assert len(handler.wait_for(1, seconds=20)) == 1  # no sweep runs in this test
        waited = time.monotonic() - started
    with app.app_context():
        notification = row(notification_id)
    assert (notification.email, notification.attempts) == (Delivery.SENT, 2)
    assert waited >= 1  # the countdown was honoured


@pytest.mark.no_transaction
@pytest.mark.redis
def test_the_sweep_hands_rows_to_the_workers_and_runs_one_at_a_time(outbox, own_redis):
    handler, _port, build = outbox
    app = build(own_redis.url)
    broker = redis.Redis.from_url(own_redis.url)
    with app.app_context():
        ids = [queue_one(key=str(n)) for n in range(3)]  # the broker was down: never handed over
        with jobs.exclusive("outbox-sweep", ttl_seconds=60):
            assert tasks.sweep_outbox() is None  # another sweep is running
        assert broker.llen("celery") == 0
        assert tasks.sweep_outbox() == 3
        assert broker.llen("celery") == 3 and handler.messages == []  # queued, not sent here
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        assert len(handler.wait_for(3)) == 3
    with app.app_context():
        assert {row(i).email for i in ids} == {Delivery.SENT}


@pytest.mark.no_transaction
@pytest.mark.redis
def test_resending_twice_sends_once(outbox, own_redis):
    handler, _port, build = outbox
    handler.data_replies = ["452 4.2.2 Mailbox full"]
    app = build(own_redis.url, MAIL_MAX_ATTEMPTS=1)
    with app.app_context():
        notification_id = queue_one()
        delivery.deliver(notification_id)
        assert row(notification_id).email is Delivery.FAILED
        admin = Factory().user(role=Role.DISTRICT_ADMIN)
        db.session.commit()
        admin_email = admin.email
    client = app.test_client()
    client.post("/auth/login", data={"email": admin_email, "password": PASSWORD})
    with start_worker(app.extensions["celery"], pool="solo", perform_ping_check=False):
        first = client.post(f"/admin/notifications/{notification_id}/resend")
        time.sleep(0.8)
        second = client.post(
            f"/admin/notifications/{notification_id}/resend", follow_redirects=True
        )
        handler.wait_for(1)
        time.sleep(1.5)  # room for a second e-mail, were there one
    assert first.status_code == 302 and second.status_code == 200
    assert len(handler.messages) == 1
    assert "这封邮件无需重新发送" in second.get_data(as_text=True)  # refused, and told why
    with app.app_context():
        notification = row(notification_id)
    assert (notification.email, notification.attempts) == (Delivery.SENT, 1)


# ------------------------------------------------------------------------------------ clocks


class _Skewed(datetime):
    offset = timedelta(0)

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + cls.offset


def skew_clock(monkeypatch, minutes: int) -> None:
    """This host's clock (every ``utcnow()``) off by ``minutes`` from the database's."""
    import microventure.core.models

    skewed = type("Skewed", (_Skewed,), {"offset": timedelta(minutes=minutes)})
    monkeypatch.setattr(microventure.core.models, "datetime", skewed)


def test_what_is_due_is_decided_by_the_databases_clock(app, make, mailbox, monkeypatch):
    handler, port = mailbox
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}.items():
        monkeypatch.setitem(app.config, key, value)
    skew_clock(monkeypatch, +10)  # the web host runs ten minutes fast
    (notification,) = services.notify(
        recipients=[make.user()],
        kind="organization.verified",
        link="/profile",
        key="clock",
        organization="某机构",
        reason="",
    )
    db.session.commit()
    skew_clock(monkeypatch, -10)  # the worker's host runs ten minutes slow

    assert delivery.deliver(notification.id)  # due now by the database's clock: sent
    assert len(handler.messages) == 1
