"""Read side for call pages: the admin list, the public list and one call with its rows."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from microventure.accounts.models import User
from microventure.calls.models import Call, CallStatus
from microventure.core.policy import scope
from microventure.extensions import db

RECENTLY_CLOSED = timedelta(days=120)  # how long a closed call stays on the public list


def calls_for_admin(user: User, *, page: int = 1, per_page: int = 20) -> Pagination:
    """Calls an admin manages: all for district admins, their streets' for street admins."""
    stmt = select(Call).options(joinedload(Call.fund), joinedload(Call.street))
    stmt = scope(user, stmt, Call.street_id)
    stmt = stmt.order_by(Call.year.desc(), Call.created_at.desc(), Call.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass(frozen=True)
class PublicCalls:
    current: list[Call]  # open now or opening later, soonest deadline first
    closed: list[Call]  # closed recently, latest first


def _published():
    """What the public may see of calls: every one but drafts (the policy's ``call.view``)."""
    return select(Call).options(joinedload(Call.street)).where(Call.status != CallStatus.DRAFT)


def public_calls(now: datetime, *, closed_limit: int = 10) -> PublicCalls:
    """Published calls for the public list, in one query: current ones and recently closed ones."""
    rows = db.session.scalars(
        _published()
        .where(Call.closes_at >= now - RECENTLY_CLOSED)
        .order_by(Call.closes_at, Call.id)
    ).all()
    current = [c for c in rows if c.status is CallStatus.PUBLISHED and c.closes_at > now]
    closed = [c for c in reversed(rows) if c not in current]
    return PublicCalls(current=current, closed=closed[:closed_limit])


class CallState:
    """Where a published call stands for applicants (the public list's badges)."""

    UPCOMING = "upcoming"  # published, opens later
    OPEN = "open"  # takes applications now
    CLOSED = "closed"  # past its deadline, or taken on to review and decisions

    ALL = (UPCOMING, OPEN, CLOSED)


def state_of(call: Call, now: datetime) -> str:
    if call.is_upcoming(now):
        return CallState.UPCOMING
    return CallState.OPEN if call.is_open(now) else CallState.CLOSED


def published_calls(
    now: datetime,
    *,
    state: str | None = None,
    street_id: int | None = None,
    domain: str | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Pagination:
    """Published calls, filtered, soonest deadline first (the API's open data)."""
    stmt = _published()
    if state == CallState.UPCOMING:
        stmt = stmt.where(Call.is_upcoming(now))
    elif state == CallState.OPEN:
        stmt = stmt.where(Call.is_open(now))
    elif state == CallState.CLOSED:
        stmt = stmt.where(sa.not_(Call.is_upcoming(now) | Call.is_open(now)))
    if street_id is not None:
        stmt = stmt.where(Call.street_id == street_id)
    if domain is not None:  # a JSON list of enum values: the quoted value is in its text
        stmt = stmt.where(sa.cast(Call.domains, sa.String).like(f'%"{domain}"%'))
    if year is not None:
        stmt = stmt.where(Call.year == year)
    stmt = stmt.order_by(Call.closes_at.desc(), Call.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def calls_of_fund(fund_id: int) -> list[Call]:
    """The calls drawing on a fund, newest first (their rows are not loaded)."""
    return list(
        db.session.scalars(
            select(Call).where(Call.fund_id == fund_id).order_by(Call.year.desc(), Call.id.desc())
        )
    )


def call_page(call_id: int) -> Call | None:
    """One call with everything its pages show, in a fixed number of queries."""
    return db.session.scalar(
        select(Call)
        .options(
            joinedload(Call.fund),
            joinedload(Call.street),
            selectinload(Call.criteria),
            selectinload(Call.tranches),
        )
        .where(Call.id == call_id)
    )
