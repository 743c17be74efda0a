"""Fund balances, computed in SQL: raised, allocated to calls, and what is left."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import User
from microventure.calls.models import Call
from microventure.core.policy import is_district_admin
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund


@dataclass(frozen=True)
class FundBalance:
    fund: Fund
    raised: int
    allocated: int

    @property
    def unallocated(self) -> int:
        return self.raised - self.allocated


def _raised():
    return (
        select(func.coalesce(func.sum(Contribution.amount), 0))
        .where(Contribution.fund_id == Fund.id)
        .scalar_subquery()
    )


def _allocated(exclude_call_id: int | None = None):
    stmt = select(func.coalesce(func.sum(Call.budget), 0)).where(Call.fund_id == Fund.id)
    if exclude_call_id:
        stmt = stmt.where(Call.id != exclude_call_id)
    return stmt.scalar_subquery()


def visible_funds(user: User) -> list[FundBalance]:
    """The funds a user administers, with balances, in one query."""
    stmt = select(Fund, _raised(), _allocated()).options(joinedload(Fund.street)).order_by(Fund.id)
    if not is_district_admin(user):
        stmt = stmt.where(Fund.street_id.in_(user.street_ids() or {0}))
    return [
        FundBalance(fund, raised, allocated) for fund, raised, allocated in db.session.execute(stmt)
    ]


def balance(fund_id: int, *, exclude_call_id: int | None = None) -> FundBalance:
    """One fund's balance; ``exclude_call_id`` leaves out a call whose budget is being changed."""
    fund, raised, allocated = db.session.execute(
        select(Fund, _raised(), _allocated(exclude_call_id)).where(Fund.id == fund_id)
    ).one()
    return FundBalance(fund, raised, allocated)
