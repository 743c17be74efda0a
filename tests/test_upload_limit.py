"""A body over MAX_CONTENT_LENGTH, sent the way a browser sends it, to the dev server and to
gunicorn: the server reads it to the end before answering 413, so the client sends all of it and
then reads the "file too large" page (before, the server closed with the upload half sent and
the client's socket was reset). The page is in the user's language; the draining stops at its
bound."""

import io
import socket
import threading

import pytest
from werkzeug.serving import make_server

from microventure import create_app
from microventure.accounts.models import Role
from microventure.applications import services as applications
from tests.conftest import build_schema
from tests.helpers_browser import gunicorn_serving
from tests.helpers_calls import make_call, make_fund

MB = 1024 * 1024


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The app under Werkzeug's dev server and under gunicorn, on one database."""
    folder = tmp_path_factory.mktemp("limit")
    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_FOLDER": str(folder),
    }
    app = create_app("testing", **config)
    build_schema(app)
    dev = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=dev.serve_forever, daemon=True).start()
    with gunicorn_serving(folder, **config) as gunicorn:
        yield {"dev server": dev.server_port, "gunicorn": int(gunicorn.rsplit(":", 1)[1])}
    dev.shutdown()


def upload_raw(port: int, size: int) -> tuple[int, Exception | None, bytes]:
    """POST a multipart file of ``size`` bytes as a browser does: all headers, then the body in
    chunks. Returns what was sent, the error that stopped sending (if any) and the answer."""
    boundary = "----limit"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + size + len(tail)
    request = (
        f"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {total}\r\nAccept-Language: zh-CN\r\n\r\n"
    ).encode()
    sent, error, answer = 0, None, b""
    chunk = b"0" * (256 * 1024)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(request + head)
            sent = len(head)
            while sent < len(head) + size:
                piece = chunk[: len(head) + size - sent]
                sock.sendall(piece)
                sent += len(piece)
            sock.sendall(tail)
            sent += len(tail)
        except OSError as exc:  # BrokenPipeError, ConnectionResetError
            error = exc
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError as exc:
            error = error or exc
    return sent - len(head) - len(tail), error, answer


@pytest.mark.no_transaction
@pytest.mark.parametrize("server", ["dev server", "gunicorn"])
def test_an_upload_over_the_limit_is_read_to_the_end_and_answered_413(servers, server):
    size = 30 * MB
    sent, error, answer = upload_raw(servers[server], size)
    assert error is None, f"the connection was reset after {sent / MB:.1f} MB: {error!r}"
    assert sent >= size
    assert answer.startswith(b"HTTP/1.1 413")
    assert "文件过大" in answer.decode("utf-8", "replace")


def _refused_request(app, size: int):
    return app.test_request_context(
        "/auth/login",
        method="POST",
        input_stream=io.BytesIO(b"0" * size),
        content_type="application/octet-stream",
        content_length=size,
    )


def test_draining_stops_at_its_bound(app, monkeypatch):
    from microventure.core.errors import drain_request_body

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    monkeypatch.setitem(app.config, "REQUEST_DRAIN_MAX_BYTES", 10_000)  # beyond the limit
    with _refused_request(app, 11_024) as ctx:
        drain_request_body()
        assert ctx.request.environ["wsgi.input"].tell() == 11_024  # read to the end
    with _refused_request(app, 11_025) as ctx:
        drain_request_body()
        assert ctx.request.environ["wsgi.input"].tell() == 0  # too big: left alone, closed


def _too_large(client, url: str, **data):
    return client.post(url, data={"file": (io.BytesIO(b"%PDF-" + b"0" * (2 * MB)), "a.pdf")} | data)


def test_the_413_page_is_in_the_users_language(app, client, make, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", MB)
    page = _too_large(client, "/auth/login")
    assert page.status_code == 413
    assert "文件过大" in page.get_data(as_text=True)  # a visitor: the default, Chinese
    client.get("/?lang=en")
    page = _too_large(client, "/auth/login")
    assert "File too large" in page.get_data(as_text=True)  # the language chosen on the site
    # an applicant whose account is in English, uploading to their application
    street = make.street()
    admin = make.user(role=Role.STREET_ADMIN, street=street)
    applicant = make.user(locale="en")
    org = make.organization(street=street, owner=applicant)
    call = make_call(actor=admin, fund=make_fund(actor=admin, street=street))
    application = applications.start_application(call=call, organization=org, actor=applicant)
    other = app.test_client()
    other.post("/auth/login", data={"email": applicant.email, "password": "correct-horse"})
    page = _too_large(other, f"/applications/{application.id}/attachments", kind="project_plan")
    assert page.status_code == 413
    text = page.get_data(as_text=True)
    assert "File too large" in text and "The upload is larger than the limit" in text
    answer = other.post(
        f"/applications/{application.id}/attachments",
        data={"file": (io.BytesIO(b"0" * (2 * MB)), "a.pdf")},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.get_json()["title"] == "File too large"
