"""Schemathesis over the API's operations that need a token, as the demo's applicant and as its
street admin, each with a write token: no answer is a 500, every answer has a documented status,
content type and shape (the public operations: tests/test_api_calls.py and the live run)."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from microventure.accounts import api_tokens
from microventure.accounts.models import TokenScope, User
from microventure.extensions import db
from tests.helpers_trust import demo_app, dispose

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi import checks  # noqa: E402

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = demo_app(tmp_path_factory, "api_schema")
    app.config["API_RATELIMIT"] = "100000 per minute"  # read per request (accounts/bearer.py)
    secrets = {}
    with app.app_context():
        for email in ("applicant@demo.local", "street@demo.local"):
            user = db.session.scalar(select(User).where(User.email == email))
            new = api_tokens.create_token(user=user, name="schema", scope=TokenScope.WRITE, days=7)
            secrets[email] = new.secret
        db.session.commit()
        db.session.remove()
    yield app, secrets
    dispose(app)


def _token_operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("security"):
            yield operation


@pytest.mark.no_transaction
@pytest.mark.parametrize("email", ["applicant@demo.local", "street@demo.local"])
def test_token_operations_answer_as_documented(world, email):
    app, secrets = world
    operations = list(_token_operations(app))
    assert len(operations) >= 10  # the document does mark them as needing a token
    failures, seen = [], set()
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secrets[email]}"}
            response = case.call()
            seen.add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            call()
        except BaseException as exc:  # every operation's failure is reported
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert failures == [], "\n\n".join(failures)
    assert 429 not in seen and {200, 404, 422} <= seen
