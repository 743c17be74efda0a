"""Celery tasks: thin wrappers that pass ids and call the services."""

from celery import shared_task

from microventure.notifications import services


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    return services.deliver(notification_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Deliver whatever is still pending: the broker was down, a worker died, a retry is due."""
    return sum(services.deliver(notification_id) for notification_id in services.due_ids())
