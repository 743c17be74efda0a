"""``/metrics`` for Prometheus (prometheus_client): requests and their latencies by endpoint,
the outbox (pending, retrying, sending, failed; the age of the oldest pending notification),
the Celery queue's length when a Redis broker is configured, and when each periodic job (the
reminder scans, the outbox sweep) last succeeded.

Only a request with ``Authorization: Bearer <METRICS_TOKEN>`` or from an address in
``METRICS_ALLOW`` sees it; any other gets the 404 page, as if there were none.

Under gunicorn each worker counts its own requests. With ``PROMETHEUS_MULTIPROC_DIR`` set (to an
empty folder, before the workers start: docs/deploy/gunicorn.conf.py does it) the workers write their
counts there and a scrape answered by any of them adds all up; without it a scrape shows the one
worker that answered it. The database's figures are the same from every worker."""

import hmac
import ipaddress
import os
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from microventure.core.http import plain_http_allowed
from microventure.core.jobs import Job
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.models import Delivery, Notification
from microventure.ops import backup
from microventure.reminders.scans import SCANS

bp = Blueprint("metrics", __name__)

REQUESTS = Counter(
    "microventure_http_requests",
    "Requests answered, by endpoint (the route's name), method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "microventure_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REMINDERS_JOB = "reminders"  # reminders/tasks.py: one job runs every scan


def observe(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def allowed_networks(setting) -> list:
    """METRICS_ALLOW as networks: a list, or one string separated by commas or spaces, of
    addresses and networks ("127.0.0.1, 10.0.0.0/8"). A wrong entry stops the app starting."""
    entries = setting.replace(",", " ").split() if isinstance(setting, str) else setting or []
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in entries]
    except ValueError as exc:
        raise RuntimeError(f"FLASK_METRICS_ALLOW: {exc}") from exc


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given_token = scheme.lower() == "bearer" and given.strip()
    if token and given_token and hmac.compare_digest(given_token.encode(), str(token).encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.extensions["metrics_allow"])


def _outbox() -> list[GaugeMetricFamily]:
    retried = (Notification.attempts > 0).label("retried")
    rows = db.session.execute(
        select(Notification.email, retried, func.count(), func.min(Notification.created_at))
        .where(Notification.email.in_([Delivery.PENDING, Delivery.SENDING, Delivery.FAILED]))
        .group_by(Notification.email, retried)
    ).all()
    counts = dict.fromkeys(("pending", "retrying", "sending", "failed"), 0)
    oldest: datetime | None = None
    for state, was_tried, count, created in rows:
        name = "retrying" if state is Delivery.PENDING and was_tried else state.value
        counts[name] += count
        if state is Delivery.PENDING and created and (oldest is None or created < oldest):
            oldest = created
    by_state = GaugeMetricFamily(
        "microventure_outbox_notifications",
        "E-mails in the outbox not yet sent: pending (never tried), retrying (tried, to be tried "
        "again), sending (claimed by a worker), failed (given up).",
        labels=["state"],
    )
    for name, count in counts.items():
        by_state.add_metric([name], count)
    age = GaugeMetricFamily(
        "microventure_outbox_oldest_pending_age_seconds",
        "Age of the oldest notification whose e-mail is pending or retrying (0 when none).",
        value=(utcnow() - oldest).total_seconds() if oldest else 0,
    )
    return [by_state, age]


def _jobs() -> list[GaugeMetricFamily]:
    done = dict(db.session.execute(select(Job.name, Job.last_success_at)).all())
    jobs = GaugeMetricFamily(
        "microventure_job_last_success_timestamp_seconds",
        "When each periodic job's last successful run began (Unix time).",
        labels=["job"],
    )
    for name, when in sorted(done.items()):
        if when is not None:
            jobs.add_metric([name], when.timestamp())
    scans = GaugeMetricFamily(
        "microventure_reminder_scan_last_success_timestamp_seconds",
        "When each reminder scan last ran to success (Unix time); one job runs them all.",
        labels=["scan"],
    )
    if done.get(REMINDERS_JOB) is not None:
        for scan in SCANS:
            scans.add_metric([scan.__name__], done[REMINDERS_JOB].timestamp())
    return [jobs, scans]


def _queue_keys(queue: str) -> list[str]:
    # kombu's Redis transport keeps a queue in one list per priority step: "celery" for the
    # default priority, "celery\x06\x163" … for the others
    return [queue] + [f"{queue}\x06\x16{step}" for step in (3, 6, 9)]


def _celery() -> list[GaugeMetricFamily]:
    """The queue's length in Redis; nothing in the embedded mode (no broker, no queue)."""
    conf = current_app.extensions["celery"].conf
    url = conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return []
    import redis

    from microventure.core.config import redis_fail_fast

    queue = conf.task_default_queue or "celery"
    up = GaugeMetricFamily("microventure_celery_broker_up", "1 when the broker answered.")
    try:
        client = redis.Redis.from_url(url, **redis_fail_fast(current_app.config))
        length = sum(client.llen(key) for key in _queue_keys(queue))
    except redis.RedisError:
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    waiting = GaugeMetricFamily(
        "microventure_celery_queue_length", "Tasks waiting for a worker.", labels=["queue"]
    )
    waiting.add_metric([queue], length)
    return [up, waiting]


class SiteCollector:
    """The figures read from the database and the broker at each scrape."""

    def collect(self):
        info = GaugeMetricFamily(
            "microventure_info", "The application's version.", labels=["version"]
        )
        info.add_metric([backup.app_version()], 1)
        yield info
        yield from _outbox()
        yield from _jobs()
        yield from _celery()


class _Everything:
    """A registry's metrics, for another registry (the default one's, in one process)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every worker's requests
    else:
        registry.register(_Everything(REGISTRY))  # this process's, and its CPU and memory
    registry.register(SiteCollector())
    return generate_latest(registry)


@bp.get("/metrics")
@plain_http_allowed
def metrics():
    if not _allowed():
        abort(404)
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST)
