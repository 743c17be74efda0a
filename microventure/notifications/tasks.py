"""Celery tasks for the outbox, and handing committed notifications to them. Thin: ids in,
services out; a broker that is down or hung only delays mail (the sweep is the retry)."""

import logging

from celery import shared_task
from flask import current_app
from sqlalchemy.orm import Session

from microventure.core.celery import fail_fast_connection
from microventure.notifications import delivery

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    attempt = delivery.deliver(notification_id)
    if attempt.retry_in is not None:
        _retry_later(notification_id, attempt.retry_in)
    return attempt.sent


@shared_task(ignore_result=True)
def sweep_outbox() -> int | None:
    """Hand whatever is due to the workers: the broker was down, a worker died, a retry is due."""
    return delivery.sweep(hand_over=hand_over)


def _retry_later(notification_id: int, seconds: float) -> None:
    """The next attempt as a task with its countdown (a second of slack: it must find the row
    due by the database's clock); the sweep remains the safety net if this is lost."""
    celery_app = current_app.extensions["celery"]
    if celery_app.conf.task_always_eager:
        return  # nothing waits in process: the next sweep (cron) retries
    task = celery_app.tasks[deliver_notification.name]
    try:
        timeout = current_app.config["OUTBOX_HANDOVER_TIMEOUT"]
        with fail_fast_connection(celery_app, timeout) as connection:
            task.apply_async(
                (notification_id,), countdown=seconds + 1, connection=connection, retry=False
            )
    except Exception:  # the broker is gone too: the sweep will retry
        log.warning("could not schedule the retry of notification %s", notification_id)


def hand_over(notification_ids: list[int]) -> int:
    """Queue a delivery task per id, on one connection with short timeouts and no retries,
    stopping at the first failure (the sweep delivers the rest). Never raises: it runs after
    a request has committed. In the embedded default the tasks run here and now."""
    if not notification_ids:
        return 0
    celery_app = current_app.extensions["celery"]
    task = celery_app.tasks[deliver_notification.name]
    if celery_app.conf.task_always_eager:
        for notification_id in notification_ids:
            try:
                task.delay(notification_id)
            except Exception:  # delivery records its own failures; this is a bug, not an outage
                log.exception("delivering notification %s failed", notification_id)
        return len(notification_ids)
    timeout = current_app.config["OUTBOX_HANDOVER_TIMEOUT"]
    handed = 0
    try:
        with fail_fast_connection(celery_app, timeout) as connection:
            for notification_id in notification_ids:
                task.apply_async((notification_id,), connection=connection, retry=False)
                handed += 1
    except Exception as exc:  # any broker failure: the sweep delivers what is left
        log.warning(
            "broker unavailable (%s: %s): %s notification(s) left for the sweep",
            type(exc).__name__,
            exc,
            len(notification_ids) - handed,
        )
    return handed


def dispatch_committed(session: Session) -> int:
    """Hand over the notifications this session has committed (see ``services._hand_over``).
    Runs after a request's commit, so nothing here may turn it into an error."""
    try:
        return hand_over(session.info.pop("outbox_ids", []))
    except Exception:  # a bug, not an outage (hand_over absorbs those): the sweep delivers
        log.exception("handing over committed notifications failed")
        return 0
