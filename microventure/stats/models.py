"""Export jobs: an Excel export too large to build during the request, built by a Celery task
with its progress recorded for the page that waits for it."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine


class ExportStatus(LabelledEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_under_way(self) -> bool:
        """Waiting to start or being built: the job's page keeps refreshing."""
        return self in (ExportStatus.PENDING, ExportStatus.RUNNING)


labels(
    ExportStatus,
    {
        ExportStatus.PENDING: _l("Waiting to start"),
        ExportStatus.RUNNING: _l("Being built"),
        ExportStatus.DONE: _l("Ready"),
        ExportStatus.FAILED: _l("Failed"),
    },
)


class ExportJob(Base):
    """One requested export: what (``kind`` and the dashboard's ``filters``), for whom (their
    scope and language), how far it got, and the stored file once done."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    filters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    locale: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus, "export_status"), default=ExportStatus.PENDING
    )
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        sa.CheckConstraint("rows_done >= 0 AND rows_done <= rows_total", name="progress"),
        sa.CheckConstraint("(status = 'done') = (storage_key IS NOT NULL)", name="file_when_done"),
    )

    @property
    def percent(self) -> int:
        return 100 if not self.rows_total else self.rows_done * 100 // self.rows_total


# An export job runs once: claimed by the first task that starts it, then done or failed.
_E = ExportStatus
EXPORT_JOB = StateMachine(
    ExportJob,
    moves={
        (_E.PENDING, _E.RUNNING): "export.started",
        (_E.RUNNING, _E.DONE): "export.done",
        (_E.RUNNING, _E.FAILED): "export.failed",
    },
    refusal=N_("An export that is %(current)s cannot become %(new)s."),
    describe=lambda job: {"kind": job.kind},
)


class FigureSnapshot(Base):
    """The figures of a scope as a worker computed them at one version of the data
    (``stats/snapshots.py``): a view at that version reads them instead of computing them."""

    __tablename__ = "figure_snapshots"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(400))
    payload: Mapped[str] = mapped_column(sa.Text)
    computed_at: Mapped[datetime]
