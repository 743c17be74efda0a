"""One JSON line per request and per task, the request id from the proxy or made here (on error
pages, in the logs, carried into tasks), and error reports to a Sentry-compatible server."""

import gzip
import json
import logging
import sys
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g

from microventure import create_app
from microventure.ops import logs
from tests.conftest import login


class Lines(logging.Handler):
    """The JSON lines a logger writes, parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logs.JsonLines())
        self.entries: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.entries.append(json.loads(self.format(record)))


@pytest.fixture
def access_lines():
    handler = Lines()
    logs.ACCESS.addHandler(handler)
    yield handler.entries
    logs.ACCESS.removeHandler(handler)


@pytest.fixture
def task_lines():
    handler = Lines()
    logs.TASKS.addHandler(handler)
    yield handler.entries
    logs.TASKS.removeHandler(handler)


def test_one_json_line_per_request_with_its_id_user_endpoint_status_and_time(
    client, make, access_lines
):
    user = make.user()
    login(client, user)
    access_lines.clear()
    response = client.get("/")
    assert response.status_code == 200
    (line,) = access_lines
    assert line["event"] == "request" and line["logger"] == "microventure.access"
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert len(line["request_id"]) == 32
    assert line["user_id"] == user.id
    assert (line["method"], line["endpoint"], line["status"]) == ("GET", "core.index", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert "path" not in line  # a reset link's token is in its path


def test_the_proxys_request_id_is_kept_and_a_strange_one_replaced(client, access_lines):
    response = client.get("/healthz", headers={"X-Request-Id": "nginx-0f3a9c"})
    assert response.headers["X-Request-Id"] == "nginx-0f3a9c"
    for strange in ("x" * 65, "a b", "<script>", "id\u2028"):
        response = client.get("/healthz", headers={"X-Request-Id": strange})
        assert response.headers["X-Request-Id"] != strange
    assert access_lines[0]["request_id"] == "nginx-0f3a9c"
    assert {line["user_id"] for line in access_lines} == {None}  # nobody logged in


def test_error_pages_show_the_request_id(client, access_lines):
    response = client.get("/no/such/page", headers={"X-Request-Id": "ref-404-test"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "请求编号：ref-404-test" in page
    response = client.get("/no/such/page?lang=en", headers={"X-Request-Id": "ref-en"})
    assert "Reference: ref-en" in response.get_data(as_text=True)
    response = client.get(
        "/no/such/page", headers={"Accept": "application/json", "X-Request-Id": "ref-json"}
    )
    assert response.json["request_id"] == "ref-json"
    assert access_lines[0]["status"] == 404 and access_lines[0]["endpoint"] == "unmatched"


@pytest.mark.no_transaction
def test_a_500_page_shows_the_id_of_the_logged_failure(tmp_path, access_lines):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert f"请求编号：{request_id}" in response.get_data(as_text=True)
    assert access_lines[-1]["request_id"] == request_id and access_lines[-1]["status"] == 500


def test_a_task_writes_its_line_with_the_request_that_queued_it(app, task_lines):
    celery_app = app.extensions["celery"]

    @celery_app.task(name="tests.logs.ping")
    def ping():
        return "pong"

    with app.test_request_context():
        g.request_id = "req-for-task"
        assert ping.delay().get() == "pong"  # embedded: run here and now
    (line,) = task_lines
    assert line["event"] == "task" and line["task"] == "tests.logs.ping"
    assert line["state"] == "SUCCESS" and line["duration_ms"] >= 0
    assert line["request_id"] == "req-for-task" and line["task_id"]


def test_a_queued_task_carries_the_request_id_to_the_worker(app, redis_url):
    """Through a broker the id travels in the message's headers, which the worker's task
    request has."""
    import redis
    from celery import Celery

    queue = f"logs-test-{uuid.uuid4().hex[:8]}"
    celery_app = Celery("logs-test", broker=redis_url)
    with app.test_request_context():
        g.request_id = "req-through-redis"
        celery_app.send_task("tests.nothing", queue=queue)
    client = redis.Redis.from_url(redis_url)
    try:
        message = json.loads(client.lpop(queue))
    finally:
        client.delete(queue)
    assert message["headers"]["request_id"] == "req-through-redis"


# ------------------------------------------------------------------------------- error reports


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    _Collector.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public@127.0.0.1:{server.server_port}/1", _Collector.received
    server.shutdown()


@pytest.mark.no_transaction
def test_an_error_is_reported_with_its_request_id_when_a_dsn_is_set(tmp_path, sentry_server):
    import sentry_sdk

    dsn, received = sentry_server
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.sqlite'}", SENTRY_DSN=dsn
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("reported boom")

    try:
        response = app.test_client().get("/boom", headers={"X-Request-Id": "ref-sentry-1"})
        assert response.status_code == 500
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.init()  # no DSN: reporting off for the tests that follow
    report = b"".join(received).decode()
    assert "reported boom" in report and "RuntimeError" in report
    assert '"request_id":"ref-sentry-1"' in report.replace(" ", "")


def test_no_reports_without_a_dsn_and_a_clear_error_without_the_package(monkeypatch):
    create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")  # no DSN: nothing imported
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if not installed
    with pytest.raises(RuntimeError, match=r"microventure\[sentry\]"):
        create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", SENTRY_DSN="http://k@h/1")
