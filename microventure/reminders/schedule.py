"""Which days a reminder run covers: from the day of the last successful run through today, so
a run that was missed (beat or the broker down) is caught up by the next one."""

from datetime import date, timedelta


def offset_windows(offsets, since: date, today: date) -> list[tuple[int, date, date]]:
    """For reminders N days before a target day (closing, due), one ``(N, first, last)`` per
    offset: the target days whose N-day reminder fell due in [since, today]. A nearer offset
    that is due as well supersedes a farther one (no "in 3 days" after the "in 1 day"), and
    targets before today are past. With ``since == today`` each N covers today + N only."""
    ordered = sorted(set(offsets))
    windows = []
    for position, days in enumerate(ordered):
        nearer = today + timedelta(days=ordered[position - 1] + 1) if position else today
        first = max(since + timedelta(days=days), nearer)
        last = today + timedelta(days=days)
        if first <= last:
            windows.append((days, first, last))
    return windows


def offset_for(windows: list[tuple[int, date, date]], target: date) -> int:
    """The offset whose window (from ``offset_windows``) holds ``target``."""
    return next(days for days, first, last in windows if first <= target <= last)


def latest_repeat(due: date, every: int, today: date) -> date:
    """The latest of the days due + 1, due + 1 + every, … that is not after ``today``
    (``today`` after ``due``): the day a repeating overdue reminder last fell due."""
    periods = ((today - due).days - 1) // every
    return due + timedelta(days=1 + periods * every)
