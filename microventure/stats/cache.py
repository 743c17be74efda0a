"""The results figures, kept per process for a short while and only while the data has not
changed: an entry is keyed by what it is of (the scope and filters) and by the data's version —
the newest audit event (every state change writes one) and the newest row of each table the
figures read (bulk loads add rows without events). So a change is seen at the next view; the
time limit (``STATS_CACHE_SECONDS``, 0 turns the cache off) bounds what the version cannot see,
such as a transaction that committed after a later one."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.models import AuditEvent
from microventure.decisions.models import Decision
from microventure.extensions import db
from microventure.funds.models import Contribution
from microventure.projects.models import ActivityRecord, Project, Tranche

SIZE = 64  # entries: scopes × filters in use at once
_entries: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def version() -> tuple:
    """One query of primary-key maxima (each an index lookup)."""
    tables = (
        AuditEvent,
        Application,
        Decision,
        Project,
        Tranche,
        ActivityRecord,
        Contribution,
        Call,
    )
    maxima = (select(func.max(t.id)).scalar_subquery() for t in tables)
    return tuple(db.session.execute(select(*maxima)).one())


def cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for ``key`` at this version within the time limit."""
    seconds = current_app.config.get("STATS_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    full_key = (db.session.get_bind().engine.url.render_as_string(), key, version())
    now = time.monotonic()
    with _lock:
        found = _entries.get(full_key)
        if found and now - found[0] < seconds:
            _entries.move_to_end(full_key)
            return found[1]
    value = compute()
    with _lock:
        _entries[full_key] = (now, value)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
