"""Check-in sessions (签到) of an activity and the check-ins counted in them.

A session keeps its own counts (participants, volunteers, volunteer minutes), added in the same
transaction as each check-in, so the details can be deleted after the retention period and the
counts remain. A check-in row keeps only what deduplication needs: a salted hash of the name and
the mobile's last four digits (or of the signed-in user), a hash of the device cookie, and the
name only when the call asks for it; never a mobile number."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.projects.models import ActivityRecord, Project


class CheckInKind(LabelledEnum):
    PARTICIPANT = "participant"
    VOLUNTEER = "volunteer"


labels(
    CheckInKind,
    {CheckInKind.PARTICIPANT: _l("Participant"), CheckInKind.VOLUNTEER: _l("Volunteer")},
)


class AttendanceSession(Base):
    """A check-in session (签到场次) of a planned or recorded activity: a time window, a place and
    a QR code whose signed token carries ``token_generation`` (rotating it refuses older codes)."""

    __tablename__ = "attendance_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity_records.id"), index=True
    )
    planned_activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("planned_activities.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    expected: Mapped[int | None]
    keeps_names: Mapped[bool] = mapped_column(default=False)  # the call's setting when opened
    token_generation: Mapped[int] = mapped_column(default=1)
    participants: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[int] = mapped_column(default=0)
    volunteer_minutes: Mapped[int] = mapped_column(default=0)
    details_deleted_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    activity: Mapped[ActivityRecord | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="window"),
        sa.CheckConstraint(
            "participants >= 0 AND volunteers >= 0 AND volunteer_minutes >= 0 "
            "AND coalesce(expected, 0) >= 0 AND token_generation >= 1",
            name="counts_nonnegative",
        ),
    )

    @property
    def volunteer_hours(self):
        from decimal import Decimal

        return (Decimal(self.volunteer_minutes) / 60).quantize(Decimal("0.1"))


class CheckIn(Base):
    """One person checked in to a session (a participant, or a volunteer who also checks out)."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attendance_sessions.id", ondelete="CASCADE")
    )
    kind: Mapped[CheckInKind] = mapped_column(enum_column(CheckInKind, "check_in_kind"))
    person_hash: Mapped[str] = mapped_column(sa.String(64))
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    name: Mapped[str | None] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_out_at: Mapped[datetime | None]
    minutes: Mapped[int | None]

    __table_args__ = (
        # one check-in per person and per device in a session, exact under concurrency
        sa.UniqueConstraint("session_id", "person_hash"),
        sa.UniqueConstraint("session_id", "device_hash"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_nonnegative"),
    )
