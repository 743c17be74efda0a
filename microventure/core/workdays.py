"""Working days by the State Council calendar: public holidays and make-up working days (调休)."""

from datetime import date, timedelta

import chinese_calendar
from flask_babel import lazy_gettext as _l

from microventure.core.errors import DomainError


class CalendarNotCovered(DomainError):
    """The holiday calendar for a year has not been published in the installed package yet."""


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarNotCovered(
            _l(
                "The official holiday calendar for %(year)s is not available yet; "
                "upgrade the chinesecalendar package once the State Council publishes it.",
                year=day.year,
            )
        ) from exc


def add_workdays(start: date, count: int) -> date:
    """The date that is ``count`` working days after ``start`` (``start`` itself not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_workday(day):
            count -= 1
    return day


def count_workdays(first: date, last: date) -> int:
    """Working days from ``first`` to ``last``, both included."""
    days = (last - first).days + 1
    return sum(1 for i in range(max(days, 0)) if is_workday(first + timedelta(days=i)))
