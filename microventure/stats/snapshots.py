"""The district's figures computed ahead, when the data changes, instead of on the view that
finds them stale.

The figures of every street at once are the dearest thing the app computes (about 250 ms at
district scale, bench/RESULTS.md): five passes over every application, project and activity of
the district. The whole district without filters — the district dashboard's first view and the
public results page — is therefore kept in the database (``FigureSnapshot``) at the version of
the data it was computed from (``cache.version``). A worker refreshes it after every request
that committed a change (``refresh_soon``, at most once a second from each process, so a burst
of changes costs few refreshes) and once a minute (Celery beat: changes made outside requests, lost tasks). A view
reads the snapshot only while it is of the data's current version and younger than
``STATS_SNAPSHOT_SECONDS``; otherwise it computes the figures itself, exactly as without
snapshots. The embedded default (no broker) keeps none: a refresh would run in the request
that made the change."""

import json
import logging
import time
from collections import defaultdict
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from microventure.calls.models import Domain
from microventure.core.celery import fail_fast_connection
from microventure.core.dbtime import db_now
from microventure.core.jobs import exclusive
from microventure.extensions import db
from microventure.stats import cache
from microventure.stats.forms import Filters
from microventure.stats.models import FigureSnapshot
from microventure.stats.queries import DIMENSIONS, Figures, Measures, Scope, figures, fund_figures

log = logging.getLogger(__name__)

# The scopes kept ahead: those whose figures cost too much to compute during a view.
KEPT = (Scope.of(Filters(), None),)
ROUNDS = 3  # a refresh computes again while the data changed under it, this many times at most
DECIMAL = "__decimal__"
_last_request: list[float] = [0.0]  # when this process last asked for a refresh


def key_of(scope: Scope) -> str | None:
    """The snapshot's key of a kept scope; None for the others."""
    if scope not in KEPT:
        return None
    streets = "all" if scope.streets is None else ",".join(map(str, sorted(scope.streets)))
    return f"figures?{json.dumps(scope.filters.args(), sort_keys=True)}&streets={streets}"


# ------------------------------------------------------------------------------- the payload


def _number(value):
    if isinstance(value, Decimal):  # kept as such: PostgreSQL's sums are numeric
        return {DECIMAL: str(value)}
    raise TypeError(f"{type(value).__name__} is not part of the figures")


def encode(value: tuple[Figures, tuple[Measures, dict]]) -> str:
    """``(figures, (funds, funds_by_street))`` as JSON."""
    found, (funds, funds_by_street) = value
    return json.dumps(
        {
            "total": found.total,
            "by": {dim: list(groups.items()) for dim, groups in found.by.items()},
            "funds": funds,
            "funds_by_street": list(funds_by_street.items()),
        },
        default=_number,
        ensure_ascii=False,
    )


def _decimal(obj: dict):
    return Decimal(obj[DECIMAL]) if DECIMAL in obj else obj


def _key(dim: str, key):
    return Domain(key) if dim == "domain" and key is not None else key


def decode(payload: str) -> tuple[Figures, tuple[Measures, dict]]:
    data = json.loads(payload, object_hook=_decimal)
    found = Figures(total=Measures(data["total"]))
    for dim in DIMENSIONS:
        groups = defaultdict(Measures)
        groups.update((_key(dim, k), Measures(m)) for k, m in data["by"][dim])
        found.by[dim] = groups
    by_street = {k: Measures(m) for k, m in data["funds_by_street"]}
    return found, (Measures(data["funds"]), by_street)


# ------------------------------------------------------------------------------- refreshing


def _store(key: str, version: str, payload: str) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    values = {"version": version, "payload": payload, "computed_at": db_now()}
    stmt = insert(FigureSnapshot).values(key=key, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


def _stale(key: str, version: str) -> bool:
    """Not of this version, or past half its life (the version cannot see every change)."""
    young = FigureSnapshot.computed_at > db_now(-current_app.config["STATS_SNAPSHOT_SECONDS"] / 2)
    kept = select(FigureSnapshot.version).where(FigureSnapshot.key == key, young)
    return db.session.scalar(kept) != version


def _refresh_once() -> int:
    version, computed = str(cache.version()), 0
    for scope in KEPT:
        key = key_of(scope)
        if _stale(key, version):
            _store(key, version, encode((figures(scope), fund_figures(scope))))
            computed += 1
    db.session.commit()
    return computed


def kept() -> bool:
    """Snapshots are read (and so worth computing) only with ``STATS_SNAPSHOT_SECONDS`` set."""
    return bool(current_app.config.get("STATS_SNAPSHOT_SECONDS"))


def refresh() -> int:
    """Compute the kept scopes whose snapshot is stale, one run at a time across processes, and
    again while the data changed under the run. Returns how many snapshots were computed."""
    if not kept():
        return 0
    with exclusive("figure-snapshots", ttl_seconds=300) as run:
        if run is None:
            return 0  # a run is going: it computes again if the data changes under it
        computed = 0
        for _ in range(ROUNDS):
            done = _refresh_once()
            computed += done
            if not done:
                break
        run.succeeded()
        return computed


def refresh_soon() -> None:
    """After a request that committed a change: a refresh now, at most one a second from this
    process. Never raises and gives up fast: the request's work is done, and the minute's
    refresh catches up after a broker outage. No countdown: a worker holding a task until its
    ETA crashes when the broker goes away (kombu cannot give the unacknowledged task back
    without a connection: tests/test_broker_outage.py), and the refresh, one run at a time,
    computes again while changes go on under it."""
    celery_app = current_app.extensions["celery"]
    if not kept() or celery_app.conf.task_always_eager:
        return
    if time.monotonic() - _last_request[0] < 1:
        return
    _last_request[0] = time.monotonic()
    task = celery_app.tasks["microventure.stats.tasks.refresh_figures"]
    try:
        timeout = current_app.config["OUTBOX_HANDOVER_TIMEOUT"]
        with fail_fast_connection(celery_app, timeout) as connection:
            task.apply_async(connection=connection, retry=False)
    except Exception as exc:  # any broker failure: the minute's refresh catches up
        log.warning("could not ask for a refresh of the figures (%s)", type(exc).__name__)
