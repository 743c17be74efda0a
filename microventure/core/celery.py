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


def fail_fast_connection(celery_app: Celery, timeout: float):
    """A broker connection for a request's path: connecting and every read or write give up
    after ``timeout`` seconds and nothing is retried, so a broker that is down or hung (it
    accepts connections but never answers) costs a request at most that long."""
    return celery_app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "max_retries": 0,  # kombu would otherwise retry connecting for seconds
        },
    )


def broker_status(celery_app: Celery) -> str:
    """'embedded' when tasks run in process, else 'ok' or 'unreachable' within about a second."""
    if celery_app.conf.task_always_eager:
        return "embedded"
    try:
        with fail_fast_connection(celery_app, timeout=1) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return "ok"
    except Exception:  # any transport error means the broker is not usable now
        return "unreachable"
