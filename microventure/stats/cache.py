"""The results figures, kept per process for a short while and only while the data has not
changed: an entry is keyed by what it is of (the scope and filters) and by the data's version —
the newest audit event that may change them (every state change writes one; a log-in
does not count) and the newest row of each table the
figures read (bulk loads add rows without events). So a change is seen at the next view; the
time limit (``STATS_CACHE_SECONDS``, 0 turns the cache off) bounds what the version cannot see,
such as a transaction that committed after a later one. The district's figures are also kept
ahead in the database by a worker (``snapshots.py``); a view at their version reads them."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text

from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.dbtime import db_now
from microventure.core.models import FIGURES_EVENTS, AuditEvent
from microventure.decisions.models import Decision
from microventure.extensions import db
from microventure.funds.models import Contribution
from microventure.projects.models import ActivityRecord, Project, Tranche
from microventure.stats.models import FigureSnapshot

SIZE = 64  # entries: scopes × filters in use at once
_entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def _maxima() -> list:
    # the newest event that may change a figure (a log-in does not: FIGURES_EVENTS), then the
    # newest row of each table the figures read
    events = select(func.max(AuditEvent.id)).where(text(FIGURES_EVENTS))
    tables = (Application, Decision, Project, Tranche, ActivityRecord, Contribution, Call)
    return [q.scalar_subquery() for q in (events, *(select(func.max(t.id)) for t in tables))]


def version() -> tuple:
    """One query of primary-key maxima (each an index lookup)."""
    return tuple(db.session.execute(select(*_maxima())).one())


def _version_and_snapshot(kept: str | None, seconds: float) -> tuple[tuple, tuple | None]:
    """The version and, for a scope kept ahead (``snapshots.py``), the version and payload of
    its snapshot while it is younger than ``seconds``: one query."""
    columns = _maxima()
    if kept:
        young = FigureSnapshot.computed_at > db_now(-seconds)
        found = select(FigureSnapshot).where(FigureSnapshot.key == kept, young)
        columns += [
            found.with_only_columns(FigureSnapshot.version).scalar_subquery(),
            found.with_only_columns(FigureSnapshot.payload).scalar_subquery(),
        ]
    row = tuple(db.session.execute(select(*columns)).one())
    return row[:8], (row[8:] if kept and row[8] is not None else None)


def cached(
    key: tuple,
    compute: Callable[[], Any],
    *,
    kept: str | None = None,
    decode: Callable[[str], Any] | None = None,
) -> Any:
    """``compute()``, or what it gave for ``key`` at this version within the time limit, or —
    for a scope kept ahead under the name ``kept`` — its snapshot at this version, decoded."""
    seconds = current_app.config.get("STATS_CACHE_SECONDS", 0)
    snapshot_seconds = current_app.config.get("STATS_SNAPSHOT_SECONDS", 0) if kept else 0
    if not seconds and not snapshot_seconds:
        return compute()
    current, snapshot = _version_and_snapshot(kept if snapshot_seconds else None, snapshot_seconds)
    full_key = (db.session.get_bind().engine.url.render_as_string(), key, current)
    now = time.monotonic()
    with _lock:
        found = _entries.get(full_key)
        if seconds and found and now - found[0] < seconds:
            _entries.move_to_end(full_key)
            return found[1]
    if snapshot is not None and snapshot[0] == str(current):
        value = decode(snapshot[1])
    else:
        value = compute()
    if seconds:
        with _lock:
            _entries[full_key] = (now, value)
            while len(_entries) > SIZE:
                _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
