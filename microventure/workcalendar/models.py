"""A year's working-day schedule as the district entered it: its State Council notice and days."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import User
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow


class DayKind(LabelledEnum):
    HOLIDAY = "holiday"  # a public holiday: no work, whatever the weekday
    MAKEUP = "makeup"  # 调休上班: a weekend day worked in exchange for a holiday


labels(
    DayKind,
    {
        DayKind.HOLIDAY: _l("Public holiday"),
        DayKind.MAKEUP: _l("Make-up working day (调休上班)"),
    },
)


class CalendarYear(Base):
    """One year's schedule entered by hand; it decides that year instead of the package's data."""

    __tablename__ = "calendar_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    source_title: Mapped[str] = mapped_column(sa.String(200))  # the notice's name and number
    source_published_on: Mapped[date]
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),)


class CalendarDay(Base):
    """A holiday or a make-up working day of an entered year; a date appears once at most."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(
        sa.ForeignKey("calendar_years.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind, "calendar_day_kind"))
    name: Mapped[str | None] = mapped_column(sa.String(40))

    __table_args__ = (
        sa.CheckConstraint("kind <> 'holiday' OR name IS NOT NULL", name="holiday_named"),
    )
