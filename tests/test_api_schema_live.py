"""Schemathesis against the live OpenAPI document: a real server (werkzeug, threaded) on a
database of its own holding the demo data — SQLite, or PostgreSQL under ``TEST_DATABASE_URL`` —
and the ``schemathesis`` command line run on ``/api/v1/openapi.json`` with every check, in every
phase (examples, coverage, fuzzing, stateful), bounded in time, not seeded: each run tries other
inputs. It must exit 0: no 500, no answer the document does not describe (status, content type,
headers, body), no invalid input accepted and no valid one refused.

Once per caller: anonymous (the public operations; the others must answer their documented
401), and with a write token of ``applicant@demo.local`` (the applicant's operations) and of
``street@demo.local`` (an admin's). ``SCHEMATHESIS_SECONDS`` sets each run's budget."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from microventure.accounts import api_tokens
from microventure.accounts.models import TokenScope, User
from microventure.extensions import db
from tests.helpers_trust import demo_app, dispose

pytestmark = [pytest.mark.no_transaction]

SECONDS = int(os.environ.get("SCHEMATHESIS_SECONDS", "30"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = Path(__file__).with_name("schemathesis.toml")  # the operations whose rules may refuse


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    app = demo_app(tmp_path_factory, "schemathesis")
    # thousands of requests in a minute from one address and one token: not what the rate
    # limits are tested with (a 429 to valid input would fail positive_data_acceptance)
    app.config["API_RATELIMIT"] = app.config["API_RATELIMIT_ANONYMOUS"] = "100000 per minute"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    dispose(app)


def write_token(app, email: str) -> str:
    """A write token of a demo account."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        created = api_tokens.create_token(
            user=user, name="schemathesis", scope=TokenScope.WRITE, days=1
        )
        db.session.commit()
        return created.secret


# anonymous: the public operations (the others must answer their documented 401); the
# applicant: their applications, projects and activities; the street admin: the screening list
# and the ranking of their calls
CALLERS = ["anonymous", "applicant@demo.local", "street@demo.local"]


@pytest.fixture(params=CALLERS)
def headers(request, served) -> list[str]:
    if request.param == "anonymous":
        return []
    return ["-H", f"Authorization: Bearer {write_token(served[0], request.param)}"]


def test_the_api_keeps_to_its_openapi_document(served, headers, tmp_path):
    _app, base = served
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        "25",
        "--max-time",
        str(SECONDS),
        "--request-timeout",
        "10",
        "--workers",
        "2",
        *headers,
    ]
    run = subprocess.run(
        command,
        cwd=tmp_path,  # its report folder, if any, stays out of the repository
        capture_output=True,
        text=True,
        timeout=SECONDS * 3 + 60,
        env=os.environ | {"NO_COLOR": "1"},
    )
    assert run.returncode == 0, run.stdout[-12_000:] + run.stderr[-3_000:]
    tested = re.search(r"Tested:\s+(\d+)", run.stdout)
    assert tested and int(tested.group(1)) >= 6, run.stdout[-4_000:]  # every public operation
    assert "Failures:" not in run.stdout and "Errors:" not in run.stdout, run.stdout[-12_000:]
