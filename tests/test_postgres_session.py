"""The settings every PostgreSQL session of the app starts with (``POSTGRES_OPTIONS``)."""

import os

import pytest
from sqlalchemy import text

from microventure import create_app
from microventure.extensions import db

URL = "postgresql://postgres@127.0.0.1:5432/test"


def test_the_app_turns_postgresql_jit_off_unless_told_otherwise():
    engine_options = create_app("testing", SQLALCHEMY_DATABASE_URI=URL).config[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]
    assert engine_options["connect_args"] == {"options": "-c jit=off -c work_mem=16MB"}
    assert engine_options["pool_pre_ping"] is True  # the other engine options are kept

    plain = create_app("testing", SQLALCHEMY_DATABASE_URI=URL, POSTGRES_OPTIONS="")
    assert "connect_args" not in plain.config["SQLALCHEMY_ENGINE_OPTIONS"]
    on_sqlite = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert "connect_args" not in on_sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_a_session_on_postgresql_runs_without_jit():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.session.execute(text("SHOW work_mem")).scalar() == "16MB"
        db.engine.dispose()
