"""Times are stored in UTC and shown in Asia/Shanghai (the only timezone users work in)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from microventure.core.models import told_at, utcnow

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

__all__ = ["LOCAL_TZ", "local_datetime", "local_today", "to_local", "told_at", "utcnow"]


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times are stored timezone-aware in UTC")
    return moment.astimezone(LOCAL_TZ)


def local_datetime(day: date, at: time = time()) -> datetime:
    """A wall-clock moment in Shanghai, as an aware datetime in UTC (what we store)."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def format_local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if moment is None else to_local(moment).strftime(fmt)
