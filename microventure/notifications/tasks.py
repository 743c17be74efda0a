"""Celery tasks: thin wrappers that pass ids and call the services."""

import contextlib
import threading

import redis
from celery import shared_task
from flask import Flask, current_app

from microventure.extensions import db
from microventure.notifications import reminders, services


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    return services.deliver(notification_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Deliver whatever is still pending: the broker was down, a worker died, a retry is due."""
    return sum(services.deliver(notification_id) for notification_id in services.due_ids())


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int] | None:
    """The daily reminder scans, under a lock so two beats never run them at once."""
    with scan_lock(current_app) as acquired:
        if not acquired:
            return None
        sent = reminders.run_all()
        db.session.commit()
        services.dispatch_committed(db.session())
        return sent


@contextlib.contextmanager
def scan_lock(app: Flask):
    """A Redis lock when Redis is configured; a process-local one for the embedded default."""
    if app.config.get("REDIS_URL"):
        lock = redis.Redis.from_url(app.config["REDIS_URL"]).lock(
            "microventure:reminder-scans", timeout=3600, blocking=False
        )
    else:
        lock = app.extensions.setdefault("reminder_lock", threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()
