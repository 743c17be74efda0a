"""Entering a year's working-day schedule: one validator for the page and the import, then the
year's days replaced and audited. Only district admins; flushes, never commits."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from microventure.accounts.models import User
from microventure.core import audit
from microventure.core.errors import DomainError, RuleViolations
from microventure.core.policy import can
from microventure.core.timeutil import utcnow
from microventure.core.workdays import forget_entered
from microventure.extensions import db
from microventure.workcalendar.models import CalendarDay, CalendarYear, DayKind

YEARS = range(2000, 2101)
LONGEST_HOLIDAY = 15  # the longest the State Council has given (Spring Festival) is 9 days
LIMITS = {"source_title": 200, "name": 40}


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date | None
    last: date | None

    def days(self) -> list[date]:
        if self.first is None or self.last is None or self.last < self.first:
            return []
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class YearSchedule:
    """A year as the State Council's notice gives it: holidays as ranges, make-up days."""

    year: int | None
    source_title: str
    source_published_on: date | None
    holidays: list[Holiday] = field(default_factory=list)
    makeup_days: list[date | None] = field(default_factory=list)


def validate(schedule: YearSchedule) -> None:
    """Every problem at once, each naming its field (``holidays-2-first``) and its date."""
    problems: list[tuple[str | None, str]] = []
    year = schedule.year
    if year not in YEARS:
        problems.append(("year", _l("Enter a year between 2000 and 2100.")))
        raise RuleViolations(problems)
    title = (schedule.source_title or "").strip()
    if not title:
        problems.append(("source_title", _l("Give the State Council notice's name and number.")))
    elif len(title) > LIMITS["source_title"]:
        problems.append(
            ("source_title", _l("Use at most %(count)s characters.", count=LIMITS["source_title"]))
        )
    if schedule.source_published_on is None:
        problems.append(("source_published_on", _l("Give the date the notice was published.")))
    if not schedule.holidays:
        problems.append((None, _l("Enter at least one public holiday.")))
    problems += _holiday_problems(year, schedule.holidays)
    holidays = {day for h in schedule.holidays for day in h.days()}
    problems += _makeup_problems(year, schedule.makeup_days, holidays)
    if problems:
        raise RuleViolations(problems)


def _holiday_problems(year: int, holidays: list[Holiday]) -> list:
    problems, seen = [], set()
    for i, holiday in enumerate(holidays):
        where = f"holidays-{i}"
        if not (holiday.name or "").strip():
            problems.append((f"{where}-name", _l("Give the holiday's name.")))
        elif len(holiday.name.strip()) > LIMITS["name"]:
            problems.append(
                (f"{where}-name", _l("Use at most %(count)s characters.", count=LIMITS["name"]))
            )
        if holiday.first is None or holiday.last is None:
            problems.append((f"{where}-first", _l("Give the holiday's first and last day.")))
            continue
        outside = [d for d in (holiday.first, holiday.last) if d.year != year]
        if outside:
            problems.append((f"{where}-first", _not_in_year(outside[0], year)))
            continue
        if holiday.last < holiday.first:
            problems.append(
                (f"{where}-last", _l("A holiday's last day cannot be before its first day."))
            )
            continue
        if len(holiday.days()) > LONGEST_HOLIDAY:
            problems.append(
                (
                    f"{where}-last",
                    _l(
                        "A holiday of more than %(count)s days is not plausible: check the dates.",
                        count=LONGEST_HOLIDAY,
                    ),
                )
            )
            continue
        twice = sorted(seen.intersection(holiday.days()))
        if twice:
            problems.append(
                (f"{where}-first", _l("%(day)s is in two holidays.", day=twice[0].isoformat()))
            )
        seen.update(holiday.days())
    return problems


def _makeup_problems(year: int, days: list[date | None], holidays: set[date]) -> list:
    problems, seen = [], set()
    for i, day in enumerate(days):
        where = f"makeup_days-{i}-day"
        if day is None:
            continue
        iso = day.isoformat()
        if day.year != year:
            problems.append((where, _not_in_year(day, year)))
        elif day in holidays:
            problems.append(
                (where, _l("%(day)s cannot be both a holiday and a make-up working day.", day=iso))
            )
        elif day.weekday() < 5:
            problems.append(
                (
                    where,
                    _l(
                        "%(day)s is a weekday: a make-up working day falls on a Saturday or Sunday.",
                        day=iso,
                    ),
                )
            )
        elif day in seen:
            problems.append((where, _l("%(day)s is listed twice.", day=iso)))
        seen.add(day)
    return problems


def _not_in_year(day: date, year: int) -> str:
    return _l("%(day)s is not in %(year)s.", day=day.isoformat(), year=year)


def _described(entry: CalendarYear | None) -> dict | None:
    if entry is None:
        return None
    days = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)
        .where(CalendarDay.year_id == entry.id)
        .order_by(CalendarDay.day)
    ).all()
    return {
        "source_title": entry.source_title,
        "source_published_on": entry.source_published_on,
        "holidays": [[d, name] for d, kind, name in days if kind is DayKind.HOLIDAY],
        "makeup_days": [d for d, kind, _name in days if kind is DayKind.MAKEUP],
    }


def set_year(*, schedule: YearSchedule, actor: User) -> CalendarYear:
    """Enter ``schedule``'s year, or replace what was entered for it: from now on it decides
    that year's working days, over the package's data."""
    if not can(actor, "calendar.manage"):
        raise DomainError(_l("Only a district admin may change the working-day calendar."))
    validate(schedule)
    entry = db.session.scalar(select(CalendarYear).where(CalendarYear.year == schedule.year))
    before = _described(entry)
    if entry is None:
        entry = CalendarYear(year=schedule.year)
        db.session.add(entry)
    entry.source_title = schedule.source_title.strip()
    entry.source_published_on = schedule.source_published_on
    entry.entered_by_id = actor.id
    entry.entered_at = utcnow()
    db.session.flush()
    # the old days go first, in SQL: a unit-of-work flush would insert before it deletes
    db.session.execute(delete(CalendarDay).where(CalendarDay.year_id == entry.id))
    days = [
        CalendarDay(year_id=entry.id, day=day, kind=DayKind.HOLIDAY, name=h.name.strip())
        for h in schedule.holidays
        for day in h.days()
    ] + [
        CalendarDay(year_id=entry.id, day=day, kind=DayKind.MAKEUP)
        for day in sorted({d for d in schedule.makeup_days if d is not None})
    ]
    db.session.add_all(days)
    db.session.flush()
    audit.record(
        action="calendar.year_replaced" if before else "calendar.year_entered",
        obj=entry,
        actor=actor,
        before=before,
        after=_described(entry),
    )
    forget_entered()
    return entry
