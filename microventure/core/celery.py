"""Celery bound to the Flask app (the Flask-documented ``celery_init_app`` pattern)."""

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def broker_status(celery_app: Celery) -> str:
    """'embedded' when tasks run in process, else 'ok' or 'unreachable' within about a second."""
    if celery_app.conf.task_always_eager:
        return "embedded"
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return "ok"
    except Exception:  # any transport error means the broker is not usable now
        return "unreachable"
