"""Each request: its id, then once answered its count and latency (metrics.py) and its log
line (logs.py), and the id in the ``X-Request-Id`` response header."""

import time

from flask import Flask, g, request
from flask_login import current_user

from microventure.ops import logs, metrics, reporting


def _starts() -> None:
    g.request_id = logs.request_id_from(request.headers.get("X-Request-Id"))
    g.request_started = time.perf_counter()
    reporting.tag_request(g.request_id)


def _user_id() -> int | None:
    # only a user the request has loaded anyway: looking one up here would add a query
    if "_login_user" not in g or not current_user.is_authenticated:
        return None
    return current_user.id


def _answered(response):
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
    metrics.observe(endpoint, request.method, response.status_code, seconds)
    request_id = g.get("request_id") or logs.request_id_from(None)
    logs.log_request(
        request_id=request_id,
        user_id=_user_id(),
        method=request.method,
        endpoint=endpoint,
        status=response.status_code,
        duration_ms=round(seconds * 1000, 1),
    )
    response.headers["X-Request-Id"] = request_id
    return response


def init_app(app: Flask) -> None:
    """Call before the other extensions' hooks, so every request gets its id first."""
    app.extensions["metrics_allow"] = metrics.allowed_networks(app.config.get("METRICS_ALLOW"))
    logs.init_app(app)
    reporting.init_app(app)
    app.before_request(_starts)
    app.after_request(_answered)
