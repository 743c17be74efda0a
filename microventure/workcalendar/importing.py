"""Reading a year's schedule from a file (the formats README.md documents): JSON, or CSV rows
``year``, ``source``, ``holiday`` and ``makeup``. Only the shape is checked here; the rules are
the service's, the same as for the page."""

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from microventure.core.errors import DomainError, RuleViolations
from microventure.workcalendar.services import Holiday, YearSchedule


def read_schedule(path: str | Path) -> YearSchedule:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(_l("The file cannot be read as UTF-8 text.")) from exc
    if path.suffix.lower() == ".json":
        return _from_json(text)
    if path.suffix.lower() == ".csv":
        return _from_csv(text)
    raise DomainError(_l("Import a .json or a .csv file."))


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(
            _l("%(where)s: “%(value)s” is not a date (YYYY-MM-DD).", where=where, value=value)
        ) from None


def _year(value: Any, where: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise DomainError(
            _l("%(where)s: “%(value)s” is not a year.", where=where, value=value)
        ) from None


def _from_json(text: str) -> YearSchedule:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            _l("The file is not valid JSON (line %(line)s).", line=exc.lineno)
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("holidays", []), list):
        raise DomainError(_l("The JSON file must be one object with a list of holidays."))
    holidays = []
    for n, h in enumerate(data.get("holidays", []), start=1):
        where = f"holidays[{n}]"
        if not isinstance(h, dict):
            raise DomainError(_l("%(where)s: give name, first and last.", where=where))
        first = _date(h.get("first"), where)
        last = _date(h.get("last"), where) or first  # one day when the last is left out
        holidays.append(Holiday(str(h.get("name") or ""), first, last))
    makeup = data.get("makeup_days", [])
    if not isinstance(makeup, list):
        raise DomainError(_l("makeup_days must be a list of dates."))
    return YearSchedule(
        year=_year(data.get("year"), "year"),
        source_title=str(data.get("source") or ""),
        source_published_on=_date(data.get("published_on"), "published_on"),
        holidays=holidays,
        makeup_days=[_date(d, f"makeup_days[{n}]") for n, d in enumerate(makeup, start=1)],
    )


def _from_csv(text: str) -> YearSchedule:
    year, title, published, holidays, makeup = None, "", None, [], []
    problems: list[tuple[str | None, str]] = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not cells or not cells[0] or cells[0].startswith("#") or cells[0] == "kind":
            continue
        kind, rest = cells[0].lower(), [*cells[1:], "", "", ""]
        where = _l("Line %(line)s", line=number)
        try:
            if kind == "year":
                year = _year(rest[0], where)
            elif kind == "source":
                title, published = rest[0], _date(rest[1], where)
            elif kind == "holiday":
                first = _date(rest[1], where)
                holidays.append(Holiday(rest[0], first, _date(rest[2], where) or first))
            elif kind == "makeup":
                makeup.append(_date(rest[0], where))
            else:
                raise DomainError(
                    _l(
                        "%(where)s: “%(kind)s” is not one of year, source, holiday, makeup.",
                        where=where,
                        kind=cells[0],
                    )
                )
        except DomainError as exc:
            problems.append((None, exc.message))
    if problems:
        raise RuleViolations(problems)
    return YearSchedule(year, title, published, holidays, makeup)
