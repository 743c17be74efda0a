"""Security headers per configuration (Flask-Talisman, core/http.py): the Content-Security-Policy
on every response, HSTS and the redirect to HTTPS only in production (never for the health
probe), the session cookie's settings kept; and no template carries inline code the policy
would refuse."""

import re
from pathlib import Path

import pytest

from microventure import create_app
from tests.conftest import build_schema

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
    "base-uri 'self'",
)


def policy_of(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    """A development and a production app, each on a database of its own."""

    def build(name, **config):
        folder = tmp_path_factory.mktemp(name)
        app = create_app(
            name,
            SECRET_KEY="header-tests",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'db.sqlite'}",
            RATELIMIT_STORAGE_URI="memory://",
            UPLOAD_FOLDER=str(folder),
            **config,
        )
        build_schema(app)
        return app

    return {"development": build("development"), "production": build("production")}


@pytest.mark.parametrize("path", ["/", "/auth/login", "/calls", "/no-such-page", "/healthz"])
def test_every_response_has_the_policy(client, path):
    policy = policy_of(client.get(path))
    for directive in DIRECTIVES:
        assert directive in policy, (path, policy)


def test_testing_and_development_stay_on_plain_http(client, apps):
    for http in (client, apps["development"].test_client()):
        response = http.get("/auth/login")
        assert response.status_code == 200  # no redirect to https://
        assert "Strict-Transport-Security" not in response.headers
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the login form's CSRF token puts the session cookie: not Secure on the plain-HTTP dev site
    # (the browser would drop it), HttpOnly and SameSite=Lax as configured
    cookie = apps["development"].test_client().get("/auth/login").headers["Set-Cookie"]
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_production_redirects_to_https_and_sends_hsts_there(apps):
    http = apps["production"].test_client()
    plain = http.get("/auth/login")
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in plain.headers  # only over HTTPS, as the RFC says
    secure = http.get("/auth/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    for directive in DIRECTIVES:
        assert directive in policy_of(secure)
    cookie = secure.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_behind_a_tls_proxy_production_sends_hsts(apps):
    response = (
        apps["production"].test_client().get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers


def test_the_health_probe_is_answered_over_plain_http_in_production(apps):
    response = apps["production"].test_client().get("/healthz")
    assert response.status_code in (200, 503)
    assert response.is_json


# Rendered to PDF by WeasyPrint on the server, never served to a browser: no CSP applies.
NOT_PAGES = {"stats/report.html"}


def _pages():
    return [p for p in TEMPLATES.rglob("*.html") if str(p.relative_to(TEMPLATES)) not in NOT_PAGES]


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        # a JSON data block is not run, and the policy allows it
        ("an inline <script>", r'<script(?![^>]*\b(?:src=|type="application/json"))'),
        ("an on*= handler", r"<[^>]*\son[a-z]+\s*="),
        ("a javascript: link", r"javascript:"),
        ("a <style> block", r"<style\b"),
    ],
)
def test_no_template_has_inline_code_the_policy_refuses(what, pattern):
    assert len(_pages()) > 50
    found = [
        str(p.relative_to(TEMPLATES)) for p in _pages() if re.search(pattern, p.read_text("utf-8"))
    ]
    assert found == [], f"{what} in {found}"
