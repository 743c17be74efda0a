"""The demo's past told on its own days: ``story_day`` runs a step as if it were that day."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time

from microventure.core.timeutil import local_datetime, told_at
from microventure.extensions import db

YEAR_BEGAN = date(2026, 1, 5)  # the district's people, organisations and reviewer pool


@contextmanager
def story_day(day: date, hour: int = 10, minute: int = 0) -> Iterator[None]:
    """Do what the block does at ``hour``:``minute`` on ``day``, Beijing time (the clock of
    ``core.models.told_at``); what it wrote is flushed inside, so the timestamps filled in by
    default are the story's too."""
    with told_at(local_datetime(day, time(hour, minute))):
        yield
        db.session.flush()
