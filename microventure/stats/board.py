"""The dashboard as one object: the figures and fund figures of a scope (cached while the data
is unchanged), and the calls and streets its filters offer."""

from dataclasses import dataclass

from sqlalchemy import select

from microventure.accounts.models import Street
from microventure.calls.models import Call
from microventure.extensions import db
from microventure.stats import cache, snapshots
from microventure.stats.forms import Filters
from microventure.stats.queries import Figures, Measures, Scope, figures, fund_figures


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    figures: Figures
    funds: Measures
    funds_by_street: dict[int | None, Measures]
    calls: list  # rows: id, code, title, year, street_id, budget
    streets: list  # rows: id, name, name_en

    @property
    def years(self) -> list[int]:
        return sorted({c.year for c in self.calls}, reverse=True)

    def call(self, call_id: int):
        return next((c for c in self.calls if c.id == call_id), None)

    def street(self, street_id: int | None):
        return next((s for s in self.streets if s.id == street_id), None)


def call_choices(allowed: set[int] | None) -> list:
    """The calls whose figures the scope may see: its streets' and the district-wide ones."""
    stmt = select(Call.id, Call.code, Call.title, Call.year, Call.street_id, Call.budget)
    if allowed is not None:
        stmt = stmt.where(Call.street_id.in_(allowed or {0}) | Call.street_id.is_(None))
    return db.session.execute(stmt.order_by(Call.year.desc(), Call.id.desc())).all()


def street_choices(allowed: set[int] | None) -> list:
    stmt = select(Street.id, Street.name, Street.name_en)
    if allowed is not None:
        stmt = stmt.where(Street.id.in_(allowed or {0}))
    return db.session.execute(stmt.order_by(Street.position, Street.id)).all()


def dashboard(filters: Filters, allowed: set[int] | None) -> Dashboard:
    """The dashboard of the streets ``allowed`` (all when None) under ``filters``: ten queries."""
    scope = Scope.of(filters, allowed)
    found, (funds, funds_by_street) = figures_and_funds(scope)
    return Dashboard(
        scope, found, funds, funds_by_street, call_choices(allowed), street_choices(allowed)
    )


def figures_and_funds(scope: Scope) -> tuple[Figures, tuple]:
    """The figures and fund figures of a scope: eight queries, or one while they are cached or
    kept ahead (``snapshots.py``)."""
    key = ("figures", scope.filters, None if scope.streets is None else frozenset(scope.streets))
    compute = lambda: (figures(scope), fund_figures(scope))  # noqa: E731
    return cache.cached(key, compute, kept=snapshots.key_of(scope), decode=snapshots.decode)
