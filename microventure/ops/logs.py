"""One JSON line per request (logger ``microventure.access``) and per Celery task (logger
``microventure.tasks``), on standard error: journald or the container keeps them. A request's id
comes from its ``X-Request-Id`` header (the reverse proxy's, so its log and ours share it) or is
made here; it is sent back in that header, shown on error pages, and carried into the tasks the
request queues. No path or query string is logged (reset links carry their token in the path)."""

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from celery.signals import before_task_publish, task_postrun, task_prerun
from flask import Flask, g, has_request_context

ACCESS = logging.getLogger("microventure.access")
TASKS = logging.getLogger("microventure.tasks")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_task_started: dict[str, float] = {}


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):
    """Standard error as it is when a line is written (not as it was when the app started)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_app(app: Flask) -> None:
    for logger in (ACCESS, TASKS):
        if not any(isinstance(h, _Stderr) for h in logger.handlers):
            handler = _Stderr()
            handler.setFormatter(JsonLines())
            logger.addHandler(handler)
        logger.setLevel(logging.INFO if app.config.get("LOG_REQUESTS", True) else logging.WARNING)
        logger.propagate = False


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is a sensible one, else a new one."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def log_request(**fields) -> None:
    ACCESS.info("request", extra={"fields": {"event": "request", **fields}})


def _current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


@before_task_publish.connect
def _carry_request_id(sender=None, headers=None, **_extra) -> None:
    request_id = _current_request_id()
    if request_id and headers is not None:
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _task_starts(task_id=None, **_extra) -> None:
    if task_id:
        _task_started[task_id] = time.perf_counter()


def _carried_request_id(task) -> str | None:
    """The id the message's headers brought (a task's request has them as attributes, or in
    ``headers`` in some Celery versions)."""
    if task is None:
        return None
    request = task.request
    headers = getattr(request, "headers", None) or {}
    return getattr(request, "request_id", None) or headers.get("request_id")


@task_postrun.connect
def _task_ends(task_id=None, task=None, state=None, **_extra) -> None:
    started = _task_started.pop(task_id, None)
    request_id = _carried_request_id(task)
    TASKS.info(
        "task",
        extra={
            "fields": {
                "event": "task",
                "task": getattr(task, "name", None),
                "task_id": task_id,
                "state": state,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started is not None
                else None,
                "request_id": request_id or _current_request_id(),
            }
        },
    )
