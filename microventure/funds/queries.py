"""Fund balances and the fund ledger, computed in SQL from the decisions and payments themselves.

Every yuan raised is in exactly one place at any moment:

    raised = available + reserved + committed + disbursed

- *reserved*: the part of an undecided call's budget not yet recommended;
- *committed*: recommended or approved grants not yet paid (withheld and released tranches are
  no longer committed);
- *disbursed*: tranches paid;
- *available*: what a new call may still draw.

A call holds its whole budget until it is finalized; from then on it holds only its grants, so
the remainder, and later any withheld or released tranche, returns to the fund."""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.applications.models import Application
from microventure.calls.models import Call, CallStatus
from microventure.core.policy import street_scope
from microventure.decisions.models import HOLDING, Decision
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund
from microventure.projects.models import Project, Tranche, TrancheStatus

DECIDED = (CallStatus.FINALIZED, CallStatus.ARCHIVED)
RETURNED_TO_FUND = (TrancheStatus.WITHHELD, TrancheStatus.RELEASED)


@dataclass(frozen=True)
class CallFigures:
    """One call's share of its fund."""

    call_id: int
    code: str
    title: str
    status: CallStatus
    budget: int
    granted: int  # recommended or approved amounts
    disbursed: int
    returned: int  # withheld or released tranches

    @property
    def decided(self) -> bool:
        return self.status in DECIDED

    @property
    def held(self) -> int:
        """What the call keeps out of the fund: its budget until decided, then its grants."""
        return self.granted - self.returned if self.decided else self.budget

    @property
    def committed(self) -> int:
        return self.granted - self.returned - self.disbursed

    @property
    def reserved(self) -> int:
        return self.held - self.committed - self.disbursed


@dataclass(frozen=True)
class FundBalance:
    fund: Fund
    raised: int
    calls: list[CallFigures] = field(default_factory=list)

    @property
    def allocated(self) -> int:
        """Held by calls: reserved + committed + disbursed."""
        return sum(c.held for c in self.calls)

    @property
    def reserved(self) -> int:
        return sum(c.reserved for c in self.calls)

    @property
    def committed(self) -> int:
        return sum(c.committed for c in self.calls)

    @property
    def disbursed(self) -> int:
        return sum(c.disbursed for c in self.calls)

    @property
    def unallocated(self) -> int:
        """Available for new calls."""
        return self.raised - self.allocated


def _raised():
    return (
        select(func.coalesce(func.sum(Contribution.amount), 0))
        .where(Contribution.fund_id == Fund.id)
        .scalar_subquery()
    )


def _sum(column):
    # PostgreSQL's sum(bigint) is numeric; fen stay integers.
    return sa.cast(func.coalesce(func.sum(column), 0), sa.BigInteger)


def call_figures(
    fund_ids: list[int], *, call_id: int | None = None
) -> dict[int, list[CallFigures]]:
    """Each call of the funds with its granted, disbursed and returned sums: three grouped
    queries whatever the number of calls."""
    calls = select(Call.id, Call.fund_id, Call.code, Call.title, Call.status, Call.budget).where(
        Call.fund_id.in_(fund_ids)
    )
    if call_id is not None:
        calls = calls.where(Call.id == call_id)
    rows = db.session.execute(calls.order_by(Call.id)).all()
    ids = [r.id for r in rows]
    granted = dict(
        db.session.execute(
            select(Decision.call_id, _sum(Decision.amount))
            .join(Application, Application.id == Decision.application_id)
            .where(Decision.call_id.in_(ids), Application.status.in_(HOLDING))
            .group_by(Decision.call_id)
        ).all()
    )
    tranches: dict[tuple[int, TrancheStatus], int] = {
        (cid, status): total
        for cid, status, total in db.session.execute(
            select(Project.call_id, Tranche.status, _sum(Tranche.amount))
            .join(Project, Project.id == Tranche.project_id)
            .where(Project.call_id.in_(ids))
            .group_by(Project.call_id, Tranche.status)
        )
    }
    figures: dict[int, list[CallFigures]] = defaultdict(list)
    for r in rows:
        figures[r.fund_id].append(
            CallFigures(
                r.id,
                r.code,
                r.title,
                r.status,
                r.budget,
                granted.get(r.id, 0),
                tranches.get((r.id, TrancheStatus.PAID), 0),
                sum(tranches.get((r.id, s), 0) for s in RETURNED_TO_FUND),
            )
        )
    return figures


def visible_funds(user: User) -> list[FundBalance]:
    """The funds a user administers, with balances, in a fixed number of queries."""
    return balances(street_ids=street_scope(user))


def balances(*, street_ids: set[int] | None, fund_ids: Select | None = None) -> list[FundBalance]:
    """The funds of ``street_ids`` (every fund, the district's too, when ``None``), or only
    those among ``fund_ids`` (a select of ids), with their balances: four queries whatever the
    number of funds and calls."""
    stmt = select(Fund, _raised()).options(joinedload(Fund.street)).order_by(Fund.id)
    if street_ids is not None:
        stmt = stmt.where(Fund.street_id.in_(street_ids or {0}))
    if fund_ids is not None:
        stmt = stmt.where(Fund.id.in_(fund_ids))
    funds = db.session.execute(stmt).all()
    figures = call_figures([fund.id for fund, _raised in funds])
    return [FundBalance(fund, raised, figures.get(fund.id, [])) for fund, raised in funds]


def balance(fund_id: int, *, exclude_call_id: int | None = None) -> FundBalance:
    """One fund's balance; ``exclude_call_id`` leaves out a call whose budget is being changed."""
    fund, raised = db.session.execute(select(Fund, _raised()).where(Fund.id == fund_id)).one()
    calls = [c for c in call_figures([fund_id]).get(fund_id, []) if c.call_id != exclude_call_id]
    return FundBalance(fund, raised, calls)


def call_balance(call: Call) -> CallFigures:
    """One call's figures (for the decisions pages and the budget check)."""
    return call_figures([call.fund_id], call_id=call.id)[call.fund_id][0]


def contributions(fund_id: int) -> list[Contribution]:
    """The money raised into the fund, newest first."""
    return list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.fund_id == fund_id)
            .order_by(Contribution.received_on.desc(), Contribution.id.desc())
        )
    )
