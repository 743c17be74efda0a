"""Celery tasks of the results: thin wrappers that pass ids."""

from celery import shared_task

from microventure.stats import jobs, snapshots


@shared_task(ignore_result=True)
def build_export(job_id: int) -> None:
    jobs.build(job_id)


@shared_task(ignore_result=True)
def refresh_figures() -> int:
    return snapshots.refresh()
