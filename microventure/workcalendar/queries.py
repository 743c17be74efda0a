"""Read side of the working-day calendar: the years covered and where each comes from, a year's
entered days, and the year an office must enter before it runs out."""

from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from microventure.core.workdays import PACKAGE_YEARS, is_covered
from microventure.extensions import db
from microventure.workcalendar.models import CalendarDay, CalendarYear, DayKind

WARN_FROM_MONTH = 11  # the State Council publishes next year's schedule in November


@dataclass(frozen=True)
class CoveredYear:
    year: int
    entered: CalendarYear | None  # None: the package's data
    holidays: int = 0
    makeup_days: int = 0


def package_version() -> str:
    return version("chinesecalendar")


def years_covered() -> list[CoveredYear]:
    """Every year the calendar knows, newest first: entered by hand (with its counts of holiday
    and make-up days) or from the package. Two queries."""
    entered = {
        e.year: e
        for e in db.session.scalars(
            select(CalendarYear).options(joinedload(CalendarYear.entered_by))
        )
    }
    counts = {
        (year_id, kind): n
        for year_id, kind, n in db.session.execute(
            select(CalendarDay.year_id, CalendarDay.kind, func.count()).group_by(
                CalendarDay.year_id, CalendarDay.kind
            )
        )
    }
    years = sorted(set(PACKAGE_YEARS) | set(entered), reverse=True)
    return [
        CoveredYear(year, None)
        if (e := entered.get(year)) is None
        else CoveredYear(
            year,
            e,
            counts.get((e.id, DayKind.HOLIDAY), 0),
            counts.get((e.id, DayKind.MAKEUP), 0),
        )
        for year in years
    ]


@dataclass(frozen=True)
class HolidayRange:
    name: str
    first: date
    last: date


def entered_year(year: int) -> tuple[CalendarYear, list[HolidayRange], list[date]] | None:
    """A year entered by hand, its holidays as ranges of consecutive days with the same name."""
    entry = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if entry is None:
        return None
    days = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
        .where(CalendarDay.year_id == entry.id)
        .order_by(CalendarDay.day)
    ).all()
    ranges: list[HolidayRange] = []
    for day, kind, name in days:
        if kind is not DayKind.HOLIDAY:
            continue
        last = ranges[-1] if ranges else None
        if last and last.name == name and (day - last.last).days == 1:
            ranges[-1] = HolidayRange(name, last.first, day)
        else:
            ranges.append(HolidayRange(name, day, day))
    return entry, ranges, [day for day, kind, _n in days if kind is DayKind.MAKEUP]


def calendar_gap(today: date) -> int | None:
    """The year an office must enter now: this year when nothing covers it, or from 1 November
    next year when nothing covers it yet; None when the calendar is ahead."""
    if not is_covered(today.year):
        return today.year
    if today.month >= WARN_FROM_MONTH and not is_covered(today.year + 1):
        return today.year + 1
    return None
