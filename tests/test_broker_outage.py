"""A Redis outage (the broker and the rate limiter's storage) never fails a request and never
makes one wait: the test's own redis-server is stopped, hung (SIGSTOP) and restarted while
people log in and submit, and afterwards every notification arrives exactly once."""

import io
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from microventure.accounts.models import Membership, Role, VerificationStatus
from microventure.applications import services as applications
from microventure.applications.models import Application
from microventure.calls.models import AttachmentKind
from microventure.extensions import db
from microventure.notifications.models import Delivery, Notification
from microventure.notifications.tasks import sweep_outbox
from tests.conftest import PASSWORD, Factory, build_schema
from tests.helpers_calls import complete_content, make_call, make_fund
from tests.helpers_outbox import loggers_back_on, make_app, worker_process
from tests.test_application_pages import PDF

pytestmark = [pytest.mark.no_transaction, pytest.mark.redis]
ANSWERED = range(200, 400)
# "At once": well within what waiting on the broker would cost (its timeouts are 0.3 s; without
# them a hung broker holds the request until ``timed`` gives up at 15 s), with room for a loaded
# two-core CI machine, where a request can take a second and a half
AT_ONCE = 3.0


def outage_app(tmp_path, smtp_port: int, redis, log_handler=None, **extra):
    """Production's set-up: one Redis for the broker and the limiter, and the district's figures
    computed ahead (every successful write asks the worker for a refresh)."""
    app = make_app(
        f"sqlite:///{tmp_path / 'outage.sqlite'}",
        smtp_port,
        redis.url,
        RATELIMIT_STORAGE_URI=redis.url,
        RATELIMIT_LOGIN="10 per minute",
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        STATS_SNAPSHOT_SECONDS=600,
        **extra,
    )
    build_schema(app)
    loggers_back_on(log_handler)
    return app


def timed(post, *args, **kwargs):
    """``(response, seconds)``, run in a thread so that a request that hangs fails the test
    instead of hanging it."""
    outcome: dict = {}

    def run():
        started = time.monotonic()
        try:
            outcome["response"] = post(*args, **kwargs)
        except BaseException as exc:  # re-raised below, in the test's thread
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(15)
    assert not thread.is_alive(), "the request hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"], outcome["seconds"]


def break_redis(redis, fault: str) -> None:
    redis.stop() if fault == "stopped" else redis.pause()


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_rate_limited_posts_answer_and_still_limit_while_redis_is_down(
    tmp_path, mailbox, own_redis, fault, caplog
):
    _handler, port = mailbox
    app = outage_app(tmp_path, port, own_redis, caplog.handler)
    with app.app_context():
        Factory().user(email="someone@test.local")
        db.session.commit()
    login = {"email": "someone@test.local", "password": PASSWORD}
    assert app.test_client().post("/auth/login", data=login).status_code == 302

    break_redis(own_redis, fault)
    posts = [
        ("/auth/login", login, ANSWERED),
        ("/auth/forgot", {"email": "someone@test.local"}, ANSWERED),  # also queues an e-mail
        ("/auth/reset/not-a-token", {"password": "x"}, ANSWERED),
        ("/auth/signup", {}, ANSWERED),  # refused form: the page again, limited all the same
        ("/notices/999/objections", {"text": "x"}, (404,)),  # no such notice: past the limiter
    ]
    for path, data, expected in posts:
        response, seconds = timed(app.test_client().post, path, data=data)
        assert response.status_code in expected, (path, response.status_code)
        assert seconds < AT_ONCE, (path, seconds)
    logged = [r.getMessage() for r in caplog.records]
    assert any("falling back to in-memory" in message for message in logged)

    wrong = {"email": "someone@test.local", "password": "wrong"}
    client = app.test_client()
    codes = [client.post("/auth/login", data=wrong).status_code for _ in range(11)]
    # still 10 a minute (the login above counted too), now counted in this process's memory
    assert codes[:8] == [200] * 8 and codes[-1] == 429


def organisation_with_members(app, members: int):
    with app.app_context():
        make = Factory()
        street = make.street()
        admin = make.user(email="district@test.local", role=Role.DISTRICT_ADMIN)
        owner = make.user()
        org = make.organization(street=street, owner=owner, status=VerificationStatus.PENDING)
        for _ in range(members - 1):
            db.session.add(Membership(organization=org, user=make.user()))
        db.session.commit()
        return org.id, admin.email


@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_a_committed_request_answers_at_once_whatever_the_broker_does(
    tmp_path, mailbox, own_redis, fault, caplog
):
    """Verifying an organisation of 20 members queues 20 e-mails: with the broker gone or
    hung the request still answers at once, and the e-mails wait in the outbox."""
    _handler, port = mailbox
    app = outage_app(tmp_path, port, own_redis, caplog.handler)
    org_id, admin = organisation_with_members(app, 20)
    client = app.test_client()
    assert client.post("/auth/login", data={"email": admin, "password": PASSWORD}).status_code

    break_redis(own_redis, fault)
    response, seconds = timed(
        client.post, f"/admin/organizations/{org_id}/verification", data={"status": "verified"}
    )

    assert response.status_code == 302 and seconds < AT_ONCE, (response.status_code, seconds)
    assert "20 notification(s) left for the sweep" in caplog.text  # stopped at the first
    with app.app_context():
        emails = db.session.scalars(select(Notification.email)).all()
    assert len(emails) == 20 and set(emails) == {Delivery.PENDING}


def test_the_health_check_answers_in_a_second_with_the_broker_hung(tmp_path, mailbox, own_redis):
    _handler, port = mailbox
    app = outage_app(tmp_path, port, own_redis)
    own_redis.pause()
    response, seconds = timed(app.test_client().get, "/healthz")
    assert response.status_code == 200 and response.get_json()["broker"] == "unreachable"
    assert seconds < 2


# ------------------------------------------------------------------------------ the fault test


def drafts_ready_to_submit(app, count: int) -> list[tuple[str, int]]:
    """``count`` applicants, each with a complete draft in an open call: (e-mail, draft id)."""
    with app.app_context():
        make = Factory()
        street = make.street()
        admin = make.user(role=Role.STREET_ADMIN, street=street)
        call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
        ready = []
        for n in range(count):
            applicant = make.user(email=f"applicant{n}@test.local")
            org = make.organization(street=street, owner=applicant)
            draft = applications.start_application(call=call, organization=org, actor=applicant)
            applications.save_draft(
                application=draft, content=complete_content(call), actor=applicant
            )
            plan = FileStorage(stream=io.BytesIO(PDF), filename="计划书.pdf")
            applications.add_attachment(
                application=draft, kind=AttachmentKind.PROJECT_PLAN, upload=plan, actor=applicant
            )
            ready.append((applicant.email, draft.id))
        db.session.commit()
        return ready


def log_in_and_submit(app, email: str, draft_id: int) -> list[tuple[str, int, float]]:
    client = app.test_client()
    answers = []
    for path, data in (
        ("/auth/login", {"email": email, "password": PASSWORD}),
        (f"/applications/{draft_id}/edit", {"action": "submit"}),
    ):
        response, seconds = timed(client.post, path, data=data)
        answers.append((path, response.status_code, seconds))
    return answers


def test_redis_stopped_and_hung_while_applicants_submit_then_every_email_arrives_once(
    tmp_path, mailbox, own_redis
):
    handler, port = mailbox
    app = outage_app(tmp_path, port, own_redis)
    ready = drafts_ready_to_submit(app, 9)
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": own_redis.url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_RETRY_SECONDS": 0,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "STATS_SNAPSHOT_SECONDS": 600,
    }
    answers = []
    with worker_process(app, **settings):
        for email, draft in ready[:3]:  # Redis up
            answers += log_in_and_submit(app, email, draft)
        handler.wait_for(3)
        own_redis.stop()
        for email, draft in ready[3:6]:  # Redis gone
            answers += log_in_and_submit(app, email, draft)
        own_redis.start()
        own_redis.pause()
        for email, draft in ready[6:]:  # Redis hung
            answers += log_in_and_submit(app, email, draft)
        own_redis.resume()

        # what beat does every minute, once the broker is back
        with app.app_context():
            sweep = app.extensions["celery"].tasks[sweep_outbox.name]
            deadline = time.monotonic() + 30
            while True:
                try:
                    sweep.delay()
                    break
                except Exception:
                    assert time.monotonic() < deadline, "the broker did not come back"
                    time.sleep(0.5)
        handler.wait_for(9, seconds=60)
        time.sleep(2)  # room for a repeat, were there one

    slow_or_failed = [a for a in answers if a[1] not in ANSWERED or a[2] >= AT_ONCE]
    assert slow_or_failed == [] and len(answers) == 18
    with app.app_context():
        submitted = db.session.scalar(
            select(func.count()).select_from(Application).where(Application.reference.is_not(None))
        )
        rows = db.session.scalars(select(Notification)).all()
    assert submitted == 9
    assert len(rows) == 9 and {n.email for n in rows} == {Delivery.SENT}
    recipients = sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in handler.messages)
    assert recipients == sorted(email for email, _draft in ready)  # each once
    assert len(set(handler.message_ids())) == 9
