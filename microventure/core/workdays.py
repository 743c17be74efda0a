"""Working days by the official calendar: a year the district entered decides, else the
chinesecalendar package's data, else CalendarNotCovered (nothing guesses a year)."""

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.core.errors import DomainError

# The package knows whole years, from its first holiday's year to its last (as it checks itself).
PACKAGE_YEARS = range(min(constants.holidays).year, max(constants.holidays).year + 1)


class CalendarNotCovered(DomainError):
    """Neither the district nor the installed package has the year's official schedule."""


@dataclass(frozen=True)
class Schedule:
    """A year entered by hand: weekdays work unless a holiday, weekends rest unless made up."""

    holidays: frozenset[date]
    makeup_days: frozenset[date]

    def is_workday(self, day: date) -> bool:
        if day.weekday() < 5:
            return day not in self.holidays
        return day in self.makeup_days


Schedules = dict[int, Schedule]
_CACHE = "_workday_schedules"


def entered_schedules() -> Schedules:
    """Every year entered by hand, read in one query once per app context (a request, a task,
    a command), so counting days never queries per day. Outside an app there is no database:
    only the package is known."""
    if not has_app_context():
        return {}
    cached = g.get(_CACHE)
    if cached is None:
        cached = g.setdefault(_CACHE, _load())
    return cached


def _load() -> Schedules:
    from microventure.extensions import db
    from microventure.workcalendar.models import CalendarDay, CalendarYear, DayKind

    days: dict[int, tuple[set, set]] = {}
    rows = db.session.execute(
        select(CalendarYear.year, CalendarDay.day, CalendarDay.kind).outerjoin(
            CalendarDay, CalendarDay.year_id == CalendarYear.id
        )
    )
    for year, day, kind in rows:
        holidays, makeup = days.setdefault(year, (set(), set()))
        if day is not None:
            (holidays if kind is DayKind.HOLIDAY else makeup).add(day)
    return {year: Schedule(frozenset(h), frozenset(m)) for year, (h, m) in days.items()}


def forget_entered() -> None:
    """Drop the cached schedules (after a year was entered or replaced)."""
    if has_app_context():
        g.pop(_CACHE, None)


def not_covered(year: int) -> CalendarNotCovered:
    return CalendarNotCovered(
        _l(
            "The working-day calendar for %(year)s has not been entered yet. The district office "
            "must enter that year's public holidays and make-up working days, from the State "
            "Council's notice, on the working-day calendar page.",
            year=year,
        )
    )


def is_covered(year: int, schedules: Schedules | None = None) -> bool:
    schedules = entered_schedules() if schedules is None else schedules
    return year in schedules or year in PACKAGE_YEARS


def is_workday(day: date, schedules: Schedules | None = None) -> bool:
    schedules = entered_schedules() if schedules is None else schedules
    entered = schedules.get(day.year)
    if entered is not None:
        return entered.is_workday(day)
    if day.year not in PACKAGE_YEARS:
        raise not_covered(day.year)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:  # the package's own range check, should ours drift
        raise not_covered(day.year) from exc


def add_workdays(start: date, count: int) -> date:
    """The date that is ``count`` working days after ``start`` (``start`` itself not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    schedules = entered_schedules()
    day = start
    while count:
        day += timedelta(days=1)
        if is_workday(day, schedules):
            count -= 1
    return day


def count_workdays(first: date, last: date) -> int:
    """Working days from ``first`` to ``last``, both included."""
    schedules = entered_schedules()
    days = (last - first).days + 1
    return sum(1 for i in range(max(days, 0)) if is_workday(first + timedelta(days=i), schedules))
