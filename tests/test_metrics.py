"""/metrics: who may see it, and the figures it gives — requests by endpoint, the outbox, the
Celery queue, the periodic jobs — in one process and under gunicorn with several workers."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families

from microventure import create_app
from microventure.core.jobs import Job
from microventure.extensions import db
from microventure.notifications.models import Delivery, Notification
from microventure.ops import metrics
from microventure.reminders.scans import SCANS
from tests.conftest import build_schema
from tests.helpers_ops import ROOT, drop_site, new_site
from tests.helpers_outbox import free_port

TOKEN = "s3cret-metrics-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def open_metrics(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)


def samples(text: str) -> dict[tuple, float]:
    """{(name, (label, value), …): value} of every sample."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return found


def scrape(client, headers=BEARER) -> dict[tuple, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


# ----------------------------------------------------------------------------------- protection


def test_metrics_are_not_there_unless_configured(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=BEARER).status_code == 404


def test_only_the_right_bearer_token_opens_them(client, open_metrics):
    assert client.get("/metrics").status_code == 404
    for wrong in ("Bearer nope", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x", ""):
        assert client.get("/metrics", headers={"Authorization": wrong}).status_code == 404
    assert client.get("/metrics", headers=BEARER).status_code == 200


def test_configured_addresses_see_them_without_a_token(app, client, monkeypatch):
    networks = metrics.allowed_networks("127.0.0.1, 10.0.0.0/8")
    monkeypatch.setitem(app.extensions, "metrics_allow", networks)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.3.4"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # the test client's 127.0.0.1
    for outside in ("192.168.1.9", "11.0.0.1", "::1"):
        response = client.get("/metrics", environ_base={"REMOTE_ADDR": outside})
        assert response.status_code == 404, outside


def test_a_wrong_allow_list_stops_the_app_starting():
    with pytest.raises(RuntimeError, match="FLASK_METRICS_ALLOW"):
        create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", METRICS_ALLOW="10.0.0.0/33")
    assert metrics.allowed_networks(["::1", "10.0.0.0/8"])[1].num_addresses == 2**24


@pytest.mark.no_transaction
def test_behind_the_proxy_the_client_address_decides(tmp_path):
    """With PROXY_FIX_HOPS=1 the address is the one the proxy forwards: a visitor from outside
    reaching the app through nginx on 127.0.0.1 is not 127.0.0.1."""
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'proxy.sqlite'}",
        PROXY_FIX_HOPS=1,
        METRICS_ALLOW="127.0.0.1",
    )
    build_schema(app)
    client = app.test_client()
    outside = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client.get("/metrics", headers=outside).status_code == 404
    assert client.get("/metrics").status_code == 200  # Prometheus on this host, directly


# -------------------------------------------------------------------------------------- figures


def test_requests_are_counted_and_timed_by_endpoint(client, open_metrics):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = scrape(client)

    def grew(name, **labels):
        key = (name, *sorted(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    counted = "microventure_http_requests_total"
    assert grew(counted, endpoint="core.index", method="GET", status="200") == 3
    assert grew(counted, endpoint="unmatched", method="GET", status="404") == 1
    assert grew("microventure_http_request_duration_seconds_count", endpoint="core.index") == 3
    assert grew("microventure_http_request_duration_seconds_sum", endpoint="core.index") > 0
    assert grew(counted, endpoint="metrics.metrics", method="GET", status="200") == 1


def _notification(user, state: Delivery, *, attempts=0, age=timedelta(0)) -> Notification:
    row = Notification(
        recipient=user,
        kind="test",
        dedup_key=f"metrics:{uuid.uuid4().hex}",
        locale="zh_CN",
        subject="s",
        body_text="b",
        body_html="<p>b</p>",
        email=state,
        attempts=attempts,
        created_at=datetime.now(UTC) - age,
    )
    db.session.add(row)
    return row


def test_the_outbox_by_state_and_its_oldest_pending(client, make, open_metrics):
    figures = scrape(client)
    assert figures[("microventure_outbox_oldest_pending_age_seconds",)] == 0
    user = make.user()
    _notification(user, Delivery.PENDING, age=timedelta(minutes=5))
    _notification(user, Delivery.PENDING, attempts=2, age=timedelta(hours=2))
    _notification(user, Delivery.PENDING, attempts=1)
    _notification(user, Delivery.SENDING, attempts=1)
    for _ in range(4):
        _notification(user, Delivery.FAILED, attempts=5, age=timedelta(days=3))
    _notification(user, Delivery.SENT, attempts=1, age=timedelta(days=9))
    _notification(user, Delivery.SKIPPED, age=timedelta(days=9))
    db.session.flush()

    figures = scrape(client)
    by_state = {
        key[1][1]: value
        for key, value in figures.items()
        if key[0] == "microventure_outbox_notifications"
    }
    assert by_state == {"pending": 1, "retrying": 2, "sending": 1, "failed": 4}
    age = figures[("microventure_outbox_oldest_pending_age_seconds",)]
    assert 2 * 3600 <= age < 2 * 3600 + 120  # the retrying one; failed and sent do not count


def test_when_each_periodic_job_last_succeeded(client, open_metrics):
    figures = scrape(client)
    assert not any(
        k[0] == "microventure_reminder_scan_last_success_timestamp_seconds" for k in figures
    )
    reminders = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    sweep = datetime(2026, 11, 30, 8, 1, tzinfo=UTC)
    db.session.add_all(
        [
            Job(name="reminders", last_success_at=reminders),
            Job(name="outbox-sweep", last_success_at=sweep),
            Job(name="never-succeeded", locked_until=sweep),
        ]
    )
    db.session.flush()

    figures = scrape(client)
    jobs = {
        key[1][1]: value
        for key, value in figures.items()
        if key[0] == "microventure_job_last_success_timestamp_seconds"
    }
    assert jobs == {"reminders": reminders.timestamp(), "outbox-sweep": sweep.timestamp()}
    scans = {
        key[1][1]: value
        for key, value in figures.items()
        if key[0] == "microventure_reminder_scan_last_success_timestamp_seconds"
    }
    assert scans == {scan.__name__: reminders.timestamp() for scan in SCANS}
    assert "call_closing" in scans


def test_no_celery_queue_in_the_embedded_mode(client, open_metrics):
    figures = scrape(client)
    assert not any(k[0].startswith("microventure_celery") for k in figures)
    assert figures[("microventure_info", ("version", metrics.backup.app_version()))] == 1


def _redis_celery(url: str, queue: str) -> Celery:
    celery_app = Celery("metrics-test", broker=url)
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_connection_timeout = 1
    return celery_app


def test_the_celery_queue_length_in_redis(app, client, open_metrics, redis_url, monkeypatch):
    import redis

    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    celery_app = _redis_celery(redis_url, queue)
    monkeypatch.setitem(app.extensions, "celery", celery_app)
    try:
        for _ in range(3):
            celery_app.send_task("microventure.nothing", queue=queue)
        celery_app.send_task("microventure.nothing", queue=queue, priority=6)
        figures = scrape(client)
        assert figures[("microventure_celery_broker_up",)] == 1
        assert figures[("microventure_celery_queue_length", ("queue", queue))] == 4
    finally:
        client_ = redis.Redis.from_url(redis_url)
        client_.delete(*metrics._queue_keys(queue))


def test_an_unreachable_broker_is_reported_not_raised(app, client, open_metrics, monkeypatch):
    celery_app = _redis_celery(f"redis://127.0.0.1:{free_port()}/0", "celery")
    monkeypatch.setitem(app.extensions, "celery", celery_app)
    started = time.monotonic()
    figures = scrape(client)
    assert figures[("microventure_celery_broker_up",)] == 0
    assert not any(k[0] == "microventure_celery_queue_length" for k in figures)
    assert time.monotonic() - started < 5


# ----------------------------------------------------------------------- gunicorn, many workers


@pytest.mark.no_transaction
def test_gunicorn_workers_add_up_their_counts(tmp_path):
    """Under docs/deploy/gunicorn.conf.py with PROMETHEUS_MULTIPROC_DIR, any worker's scrape counts
    every worker's requests."""
    site = new_site(tmp_path, "gunicorn")
    site.flask("db", "upgrade")
    folder = tmp_path / "prometheus"
    port = free_port()
    env = site.env(PROMETHEUS_MULTIPROC_DIR=str(folder), FLASK_METRICS_TOKEN=TOKEN)
    command = [sys.executable, "-m", "gunicorn", "--config", "docs/deploy/gunicorn.conf.py"]
    command += ["--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server)
        _until_both_workers_answered(base, folder)
        key = ("microventure_http_requests_total", ("endpoint", "core.healthz"))
        key += (("method", "GET"), ("status", "200"))
        probes = samples(_get(f"{base}/metrics", BEARER)[1])[key]
        assert _burst(base, 60).count(200) == 60
        for _ in range(6):  # whichever worker answers the scrape
            figures = samples(_get(f"{base}/metrics", BEARER)[1])
            assert figures[key] == probes + 60  # not one worker's share
    finally:
        server.terminate()
        server.wait(30)
        drop_site(site)


def _burst(base: str, count: int) -> list[int]:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda _: _get(f"{base}/healthz")[0], range(count)))


def _until_both_workers_answered(base: str, folder) -> None:
    """A worker that boots late leaves the first to answer everything: ask until each has
    answered some (each writes its counts in a file of its own)."""
    deadline = time.monotonic() + 60
    while len(list(folder.glob("counter_*.db"))) < 2:
        assert time.monotonic() < deadline, "the second worker never answered"
        _burst(base, 16)


def _wait_for(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            if _get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not start")


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=10
        ) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
