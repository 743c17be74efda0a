"""The schema comes from the migrations: they match the models; the audit is append-only."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from microventure.accounts.models import Street
from microventure.core import audit
from microventure.extensions import db


def test_models_and_migrations_agree():
    connection = db.session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask --app wsgi db migrate`: models and migrations differ"


def test_audit_events_cannot_be_changed_or_deleted_in_sql(make):
    street = make.street()
    event = audit.record(action="street.test", obj=street)
    db.session.commit()
    for statement in (
        "UPDATE audit_events SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement), {"id": event.id})


def test_audit_events_cannot_be_changed_through_the_orm(make):
    event = audit.record(action="street.test", obj=make.street())
    event.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_database_checks_back_the_python_rules(make):
    street = make.street()
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE streets SET kind = 'planet' WHERE id = :id"), {"id": street.id}
        )
    assert db.session.get(Street, street.id).kind.value == "street"
