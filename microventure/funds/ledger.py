"""The fund ledger (资金台账): every movement of a fund's money, each traceable to its source.

Money sits in one of four places (see ``funds.queries``): available, reserved (a call's budget
not yet granted), committed (granted, not yet paid) and disbursed. A movement takes an amount
from one place to another:

    contribution          → available
    call budget           available → reserved
    recommendation        reserved  → committed
    payment of a tranche  committed → disbursed
    tranche withheld or released   committed → available
    finalized call's remainder     reserved  → available

so adding the movements up per place gives the fund's balance. The page shows them newest first,
a page at a time: each source is asked only for its newest ``offset + limit`` rows (its own order
agrees with the ledger's), so a page costs the same whatever the fund's history. ``sums`` adds
the movements up per kind in SQL, independently of ``funds.queries``, for the reconciliation
check."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core import links
from microventure.core.models import LabelledEnum, labels
from microventure.core.timeutil import to_local
from microventure.decisions.models import HOLDING, Decision, Notice
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund
from microventure.funds.queries import DECIDED, RETURNED_TO_FUND
from microventure.projects.models import Project, Tranche, TrancheStatus

AVAILABLE, RESERVED, COMMITTED, DISBURSED = "available", "reserved", "committed", "disbursed"
PLACES = (AVAILABLE, RESERVED, COMMITTED, DISBURSED)


class MovementKind(LabelledEnum):
    CONTRIBUTION = "contribution"
    RESERVATION = "reservation"
    DECISION = "decision"
    PAYMENT = "payment"
    WITHHELD = "withheld"
    RELEASED = "released"
    RETURN = "return"


labels(
    MovementKind,
    {
        MovementKind.CONTRIBUTION: _l("Contribution"),
        MovementKind.RESERVATION: _l("Call budget reserved"),
        MovementKind.DECISION: _l("Grant recommended or approved"),
        MovementKind.PAYMENT: _l("Tranche paid"),
        MovementKind.WITHHELD: _l("Tranche withheld"),
        MovementKind.RELEASED: _l("Tranche released"),
        MovementKind.RETURN: _l("Unspent budget returned"),
    },
)

MOVES: dict[MovementKind, tuple[str | None, str]] = {
    MovementKind.CONTRIBUTION: (None, AVAILABLE),
    MovementKind.RESERVATION: (AVAILABLE, RESERVED),
    MovementKind.DECISION: (RESERVED, COMMITTED),
    MovementKind.PAYMENT: (COMMITTED, DISBURSED),
    MovementKind.WITHHELD: (COMMITTED, AVAILABLE),
    MovementKind.RELEASED: (COMMITTED, AVAILABLE),
    MovementKind.RETURN: (RESERVED, AVAILABLE),
}


@dataclass(frozen=True)
class Movement:
    """One movement: ``amount`` fen (never negative) from ``source`` to ``target``."""

    kind: MovementKind
    on: date
    amount: int
    subject: str  # donor, call, application reference, agreement number
    detail: str = ""  # title, payment reference, reason
    link: str | None = None
    at: datetime | None = None  # for the order among movements of one day

    @property
    def source(self) -> str | None:
        return MOVES[self.kind][0]

    @property
    def target(self) -> str:
        return MOVES[self.kind][1]

    @property
    def available_change(self) -> int:
        """How the movement changes what is available for new calls."""
        if self.target == AVAILABLE:
            return self.amount
        return -self.amount if self.source == AVAILABLE else 0


def _day(moment: datetime) -> date:
    return to_local(moment).date()


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_ORDER = {kind: n for n, kind in enumerate(MovementKind)}


class FundLedger:
    """One fund's ledger. The calls and their grants are read once (or taken from the balance
    the page already has); each method adds a fixed number of queries."""

    def __init__(self, fund: Fund, *, granted: dict[int, int] | None = None) -> None:
        self.fund = fund
        self.calls = _fund_calls(fund)
        self.call_ids = [c.id for c in self.calls] or [0]
        self.granted = _granted(self.call_ids) if granted is None else granted

    def movements(self, *, limit: int | None = None, offset: int = 0) -> list[Movement]:
        """Newest first: all of them, or ``limit`` from ``offset`` (four queries)."""
        top = None if limit is None else offset + limit
        found = [
            *_contributions(self.fund, top),
            *_calls(self.calls, self.granted),
            *_decisions(self.call_ids, top),
            *_tranches(self.call_ids, top),
        ]
        found.sort(key=lambda m: (m.on, m.at or _EARLIEST, _ORDER[m.kind]), reverse=True)
        return found[offset:top]

    def summary(self) -> tuple[int, dict[MovementKind, int]]:
        """How many movements there are, and their amounts added up per kind (one query)."""
        ids, fund_id = self.call_ids, self.fund.id

        def tranches(what, *statuses):
            stmt = _tranche_rows(select(what), ids)
            return (
                stmt.where(Tranche.status.in_(statuses)) if statuses else stmt
            ).scalar_subquery()

        row = db.session.execute(
            select(
                select(func.count())
                .select_from(Contribution)
                .where(Contribution.fund_id == fund_id)
                .scalar_subquery(),
                _holding(select(func.count()), ids).scalar_subquery(),
                tranches(func.count()),
                select(_total(Contribution.amount))
                .where(Contribution.fund_id == fund_id)
                .scalar_subquery(),
                _holding(select(_total(Decision.amount)), ids).scalar_subquery(),
                tranches(_total(Tranche.amount), TrancheStatus.PAID),
                tranches(_total(Tranche.amount), TrancheStatus.WITHHELD),
                tranches(_total(Tranche.amount), TrancheStatus.RELEASED),
            )
        ).one()
        decided = [c for c in self.calls if c.status in DECIDED]
        returns = [c.budget - self.granted.get(c.id, 0) for c in decided]
        count = row[0] + row[1] + row[2] + len(self.calls) + sum(1 for r in returns if r)
        return count, {
            MovementKind.CONTRIBUTION: row[3],
            MovementKind.RESERVATION: sum(c.budget for c in self.calls),
            MovementKind.DECISION: row[4],
            MovementKind.PAYMENT: row[5],
            MovementKind.WITHHELD: row[6],
            MovementKind.RELEASED: row[7],
            MovementKind.RETURN: sum(returns),
        }


def movements(fund: Fund) -> list[Movement]:
    """Every movement of the fund's money, newest first."""
    return FundLedger(fund).movements()


def totals(amounts: list[Movement] | dict[MovementKind, int]) -> dict[str, int]:
    """What the movements (a list of them, or their sums per kind) leave in each place; equals
    the fund's balance."""
    if isinstance(amounts, list):
        per_kind: dict[MovementKind, int] = defaultdict(int)
        for m in amounts:
            per_kind[m.kind] += m.amount
        amounts = per_kind
    places = dict.fromkeys(PLACES, 0)
    for kind, amount in amounts.items():
        source, target = MOVES[kind]
        places[target] += amount
        if source:
            places[source] -= amount
    return places


def _total(column):
    # PostgreSQL's sum(bigint) is numeric; fen stay integers
    return sa.cast(func.coalesce(func.sum(column), 0), sa.BigInteger)


def _fund_calls(fund: Fund) -> list:
    return db.session.execute(
        select(
            Call.id,
            Call.code,
            Call.title,
            Call.budget,
            Call.status,
            Call.created_at,
            Notice.finalized_at,
        )
        .outerjoin(Notice, Notice.call_id == Call.id)
        .where(Call.fund_id == fund.id)
    ).all()


def _granted(call_ids: list[int]) -> dict[int, int]:
    """Each call's recommended and approved grants."""
    return dict(
        db.session.execute(
            _holding(select(Decision.call_id, _total(Decision.amount)), call_ids).group_by(
                Decision.call_id
            )
        ).all()
    )


def _contributions(fund: Fund, top: int | None) -> list[Movement]:
    rows = db.session.scalars(
        select(Contribution)
        .where(Contribution.fund_id == fund.id)
        .order_by(Contribution.received_on.desc(), Contribution.recorded_at.desc())
        .limit(top)
    )
    return [
        Movement(
            MovementKind.CONTRIBUTION,
            c.received_on,
            c.amount,
            c.donor,
            c.note,
            links.path("funds.detail", fund_id=fund.id, _anchor="contributions"),
            c.recorded_at,
        )
        for c in rows
    ]


def _holding(stmt, call_ids: list[int]):
    """Decisions holding money: the application is recommended or approved."""
    return (
        stmt.select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id.in_(call_ids), Application.status.in_(HOLDING))
    )


def _calls(calls: list, granted: dict[int, int]) -> list[Movement]:
    """Each call's budget reservation and, once it is decided, the return of what it did not
    grant (its budget less its recommended and approved grants)."""
    found = []
    for c in calls:
        subject, link = f"{c.code} · {c.title}", links.path("calls.admin_detail", call_id=c.id)
        found.append(
            Movement(
                MovementKind.RESERVATION,
                _day(c.created_at),
                c.budget,
                subject,
                "",
                link,
                c.created_at,
            )
        )
        remainder = c.budget - granted.get(c.id, 0)
        if c.status in DECIDED and remainder:
            when = c.finalized_at or c.created_at
            found.append(
                Movement(MovementKind.RETURN, _day(when), remainder, subject, "", link, when)
            )
    return found


def _decisions(call_ids: list[int], top: int | None) -> list[Movement]:
    rows = db.session.execute(
        _holding(
            select(
                Decision.call_id,
                Decision.amount,
                Decision.decided_at,
                Application.reference,
                Application.title,
            ),
            call_ids,
        )
        .order_by(Decision.decided_at.desc())
        .limit(top)
    )
    return [
        Movement(
            MovementKind.DECISION,
            _day(d.decided_at),
            d.amount,
            d.reference,
            d.title,
            # the decisions page of the call (its blueprint is built separately; the path is fixed)
            links.path("decisions.index", call_id=d.call_id),
            d.decided_at,
        )
        for d in rows
    ]


def _tranche_rows(stmt, call_ids: list[int]):
    """Tranches that moved money: paid ones left the fund; withheld and released ones (with an
    amount) returned to it."""
    return (
        stmt.select_from(Tranche)
        .join(Project, Project.id == Tranche.project_id)
        .where(
            Project.call_id.in_(call_ids),
            (Tranche.status == TrancheStatus.PAID)
            | (Tranche.status.in_(RETURNED_TO_FUND) & (Tranche.amount > 0)),
        )
    )


def _tranche_movement(t, label: str) -> Movement:
    """A paid tranche is a payment on its date; a withheld or released one returns its amount
    on the day it closed."""
    subject = f"{t.agreement_number} · {label.replace('{n}', str(t.position + 1))}"
    link = links.path("projects.detail", project_id=t.project_id, _anchor="tranches")
    if t.status is TrancheStatus.PAID:
        return Movement(
            MovementKind.PAYMENT,
            t.paid_on,
            t.amount,
            subject,
            t.payment_reference or "",
            link,
            t.paid_at,
        )
    closed = t.closed_at
    return Movement(
        MovementKind(t.status.value), _day(closed), t.amount, subject, t.reason, link, closed
    )


def _tranches(call_ids: list[int], top: int | None) -> list[Movement]:
    """Paid tranches leave the fund; withheld and released ones return to it. One query of two
    parts, each newest first in the ledger's own order: payments by their date, returns by when
    they happened."""
    columns = select(
        Tranche.position,
        Tranche.amount,
        Tranche.status,
        Tranche.paid_on,
        Tranche.paid_at,
        Tranche.payment_reference,
        Tranche.reason,
        Tranche.closed_at,
        Project.id.label("project_id"),
        Project.agreement_number,
    )
    paid = (
        _tranche_rows(columns, call_ids)
        .where(Tranche.status == TrancheStatus.PAID)
        .order_by(Tranche.paid_on.desc(), Tranche.paid_at.desc())
        .limit(top)
        .subquery()
    )
    returned = (
        _tranche_rows(columns, call_ids)
        .where(Tranche.status != TrancheStatus.PAID)
        .order_by(Tranche.closed_at.desc())
        .limit(top)
        .subquery()
    )
    rows = db.session.execute(sa.union_all(select(paid), select(returned))).all()
    label = _("Tranche %(n)s", n="{n}")  # translated once, filled in per row
    return [_tranche_movement(t, label) for t in rows]
