"""Celery wiring: in process with no broker; through Redis to a real worker when configured."""

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import func, select

from microventure import create_app
from microventure.accounts.models import Street
from microventure.core.celery import broker_status
from microventure.extensions import db
from tests.conftest import build_schema


def test_embedded_default_runs_tasks_in_process(app):
    celery_app = app.extensions["celery"]
    assert celery_app.conf.task_always_eager

    @celery_app.task
    def add(a, b):
        return a + b

    assert add.delay(2, 3).get() == 5


@pytest.mark.no_transaction
def test_a_real_worker_runs_tasks_through_redis_in_an_app_context(tmp_path, redis_url):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'worker.sqlite'}",
        REDIS_URL=redis_url,
        RATELIMIT_STORAGE_URI="memory://",
    )
    build_schema(app)
    celery_app = app.extensions["celery"]
    assert not celery_app.conf.task_always_eager
    assert celery_app.conf.broker_url == redis_url
    assert broker_status(celery_app) == "ok"

    @celery_app.task(ignore_result=False)
    def count_streets():
        # Runs in the worker thread: needs the Flask app context that FlaskTask provides.
        return db.session.scalar(select(func.count()).select_from(Street))

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert count_streets.delay().get(timeout=20) == 0
