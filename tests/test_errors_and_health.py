"""Error pages in the user's language, JSON for JSON clients, and /healthz."""

import pytest

from microventure import create_app
from microventure.core.celery import broker_status


def test_404_page_in_chinese_and_english(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    response = client.get("/no-such-page?lang=en")
    assert "Page not found" in response.get_data(as_text=True)


def test_errors_as_json_when_asked(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == 404
    assert response.json["title"] == "页面不存在"


def test_403_page(client, make, login_as):
    login_as(make.user())
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "无权访问" in response.get_data(as_text=True)


def test_413_for_a_too_large_body(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/auth/login", data={"email": "x" * 4096, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


@pytest.mark.no_transaction
def test_500_page_rolls_back_and_explains(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "出错了" in response.get_data(as_text=True)
    response = app.test_client().get("/boom", headers={"Accept": "application/json"})
    assert response.json["error"] == 500


def test_healthz_reports_database_and_embedded_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "broker": "embedded"}


@pytest.mark.no_transaction
def test_healthz_reports_an_unreachable_broker(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        RATELIMIT_STORAGE_URI="memory://",
    )
    assert broker_status(app.extensions["celery"]) == "unreachable"


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    with pytest.raises(RuntimeError, match="FLASK_SECRET_KEY and FLASK_SQLALCHEMY_DATABASE_URI"):
        create_app("production")


def test_every_response_refuses_sniffing_and_framing(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
