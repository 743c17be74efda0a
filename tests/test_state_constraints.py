"""The database holds the columns that go with a state to that state, whatever writes the row."""

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from microventure.core.timeutil import utcnow
from microventure.decisions.models import Objection, ObjectionStatus
from microventure.extensions import db
from microventure.projects.models import Project, ProjectStatus, Tranche, TrancheStatus
from tests.helpers_decisions import finalized_round


def _refused(stmt) -> None:
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(stmt)


def test_state_columns_must_agree_with_the_state(make):
    r = finalized_round(make, amounts=(25_000_00,))
    (project,) = r["projects"]
    tranche = project.tranches[0]
    db.session.flush()
    # a withheld tranche says when; a due or paid one since when
    _refused(update(Tranche).where(Tranche.id == tranche.id).values(status=TrancheStatus.WITHHELD))
    _refused(update(Tranche).where(Tranche.id == tranche.id).values(status=TrancheStatus.DUE))
    # an active project was signed; a completed one says when
    _refused(update(Project).where(Project.id == project.id).values(status=ProjectStatus.ACTIVE))
    _refused(
        update(Project)
        .where(Project.id == project.id)
        .values(status=ProjectStatus.COMPLETED, signed_on=utcnow().date())
    )
    # an objection is resolved by someone, at a time, exactly when it is no longer open
    objection = Objection(
        notice_id=r["notice"].id, name="居民", contact="13800138000", text="异议", status="open"
    )
    db.session.add(objection)
    db.session.flush()
    _refused(
        update(Objection)
        .where(Objection.id == objection.id)
        .values(status=ObjectionStatus.DISMISSED)
    )
