"""The reminder scans as a job: one run at a time, each covering what became due since the last
successful run (so a run that beat or the broker missed is caught up by the next)."""

from celery import shared_task

from microventure.core import jobs
from microventure.core.timeutil import local_today, to_local
from microventure.extensions import db
from microventure.notifications.tasks import dispatch_committed
from microventure.reminders import scans as reminders

LOCK_SECONDS = 3600


def run_scans() -> dict[str, int] | None:
    """Run every scan from the day of the last successful run through today, commit, and hand
    the new notifications over. None when another run holds the job."""
    with jobs.exclusive("reminders", ttl_seconds=LOCK_SECONDS) as run:
        if run is None:
            return None
        today = local_today()
        since = to_local(run.last_success_at).date() if run.last_success_at else today
        counts = reminders.run_all(today, since=min(since, today))
        db.session.commit()
        run.succeeded()
    dispatch_committed(db.session())
    return counts


@shared_task(name="microventure.notifications.tasks.send_reminders", ignore_result=True)
def send_reminders() -> dict[str, int] | None:
    return run_scans()
