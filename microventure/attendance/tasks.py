"""The retention of check-in details as a job: one run at a time, once a day."""

from celery import shared_task
from flask import current_app

from microventure.attendance import services
from microventure.core import jobs
from microventure.core.timeutil import local_today
from microventure.extensions import db

LOCK_SECONDS = 3600


def run_retention() -> int | None:
    """Delete the check-ins of projects past retention and commit; None when another run holds
    the job."""
    with jobs.exclusive("attendance-retention", ttl_seconds=LOCK_SECONDS) as run:
        if run is None:
            return None
        deleted = services.delete_expired_details(
            today=local_today(), retention_days=current_app.config["ATTENDANCE_RETENTION_DAYS"]
        )
        db.session.commit()
        run.succeeded()
    return deleted


@shared_task(ignore_result=True)
def delete_expired_check_ins() -> int | None:
    return run_retention()
