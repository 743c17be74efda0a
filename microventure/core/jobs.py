"""Periodic jobs: one run at a time across every process (a row claimed by one UPDATE), and
when each last succeeded — in the database, so it works with or without Redis."""

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from microventure.core.dbtime import db_now
from microventure.core.models import Base
from microventure.extensions import db


class Job(Base):
    """A periodic job's lock and the moment (database clock) its last successful run began."""

    __tablename__ = "jobs"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(32))
    locked_until: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]


@dataclass
class Run:
    """A claimed run: ``last_success_at`` is when the previous successful run began;
    ``started_at`` becomes the new one if ``succeeded()`` is called."""

    name: str
    token: str
    started_at: datetime
    last_success_at: datetime | None
    success: bool = field(default=False)

    def succeeded(self) -> None:
        self.success = True


def _claim(session: Session, name: str, token: str, ttl_seconds: float):
    free = or_(Job.locked_until.is_(None), Job.locked_until < db_now())
    row = session.execute(
        update(Job)
        .where(Job.name == name, free)
        .values(holder=token, locked_until=db_now(ttl_seconds))
        .returning(Job.last_success_at)
    ).first()
    if row is not None:
        return row
    if session.scalar(select(Job.name).where(Job.name == name)) is not None:
        return None  # held by a run that is still going
    try:
        with session.begin_nested():
            session.execute(
                insert(Job).values(name=name, holder=token, locked_until=db_now(ttl_seconds))
            )
    except IntegrityError:  # another process created it at the same moment, and holds it
        return None
    return (None,)


@contextlib.contextmanager
def exclusive(name: str, *, ttl_seconds: float) -> Iterator[Run | None]:
    """``with exclusive("outbox-sweep", ttl_seconds=600) as run:`` — ``run`` is None when
    another run holds the job. A holder that dies frees it after ``ttl_seconds``."""
    token = uuid.uuid4().hex
    with Session(db.engine) as session:
        claimed = _claim(session, name, token, ttl_seconds)
        started_at = session.scalar(select(db_now()))
        session.commit()
    if claimed is None:
        yield None
        return
    run = Run(name=name, token=token, started_at=started_at, last_success_at=claimed[0])
    try:
        yield run
    finally:
        values = {"holder": None, "locked_until": None}
        if run.success:
            values["last_success_at"] = run.started_at
        with Session(db.engine) as session:
            session.execute(
                update(Job).where(Job.name == name, Job.holder == token).values(**values)
            )
            session.commit()
