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

so adding the movements up per place gives the fund's balance. Four queries, whatever the
number of calls, decisions and tranches."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.models import LabelledEnum, labels
from microventure.core.timeutil import to_local
from microventure.decisions.models import Decision, Notice
from microventure.extensions import db
from microventure.funds.models import Contribution, Fund
from microventure.funds.queries import DECIDED, HOLDING, RETURNED_TO_FUND
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


def movements(fund: Fund) -> list[Movement]:
    """Every movement of the fund's money, newest first."""
    calls = db.session.execute(
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
    call_ids = [c.id for c in calls]
    decisions = _holding_decisions(call_ids)
    found = [
        *_contributions(fund),
        *_calls(calls, decisions),
        *_decisions(decisions),
        *_tranches(call_ids),
    ]
    found.sort(key=lambda m: (m.on, m.at or _EARLIEST, _ORDER[m.kind]), reverse=True)
    return found


def totals(found: list[Movement]) -> dict[str, int]:
    """What the movements leave in each place; equals the fund's balance."""
    places = dict.fromkeys(PLACES, 0)
    for m in found:
        places[m.target] += m.amount
        if m.source:
            places[m.source] -= m.amount
    return places


def _contributions(fund: Fund) -> list[Movement]:
    rows = db.session.scalars(select(Contribution).where(Contribution.fund_id == fund.id))
    return [
        Movement(
            MovementKind.CONTRIBUTION,
            c.received_on,
            c.amount,
            c.donor,
            c.note,
            f"/admin/funds/{fund.id}#contributions",
            c.recorded_at,
        )
        for c in rows
    ]


def _holding_decisions(call_ids: list[int]) -> list:
    """Decisions holding money: the application is recommended or approved."""
    return db.session.execute(
        select(
            Decision.call_id,
            Decision.amount,
            Decision.decided_at,
            Application.reference,
            Application.title,
        )
        .join(Application, Application.id == Decision.application_id)
        .where(Decision.call_id.in_(call_ids), Application.status.in_(HOLDING))
        .order_by(Decision.id)
    ).all()


def _calls(calls: list, decisions: list) -> list[Movement]:
    """Each call's budget reservation and, once it is decided, the return of what it did not
    grant (its budget less its recommended and approved grants)."""
    granted: dict[int, int] = defaultdict(int)
    for d in decisions:
        granted[d.call_id] += d.amount
    found = []
    for c in calls:
        subject, link = f"{c.code} · {c.title}", f"/admin/calls/{c.id}"
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
        remainder = c.budget - granted[c.id]
        if c.status in DECIDED and remainder:
            when = c.finalized_at or c.created_at
            found.append(
                Movement(MovementKind.RETURN, _day(when), remainder, subject, "", link, when)
            )
    return found


def _decisions(decisions: list) -> list[Movement]:
    return [
        Movement(
            MovementKind.DECISION,
            _day(d.decided_at),
            d.amount,
            d.reference,
            d.title,
            # the decisions page of the call (its blueprint is built separately; the path is fixed)
            f"/admin/calls/{d.call_id}/decisions",
            d.decided_at,
        )
        for d in decisions
    ]


def _tranches(call_ids: list[int]) -> list[Movement]:
    """Paid tranches leave the fund; withheld and released ones return to it."""
    rows = db.session.execute(
        select(
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
        .join(Project, Project.id == Tranche.project_id)
        .where(
            Project.call_id.in_(call_ids),
            Tranche.status.in_((TrancheStatus.PAID, *RETURNED_TO_FUND)),
        )
    ).all()
    found = []
    for t in rows:
        subject = f"{t.agreement_number} · {_('Tranche %(n)s', n=t.position + 1)}"
        link = f"/projects/{t.project_id}#tranches"
        if t.status is TrancheStatus.PAID:
            found.append(
                Movement(
                    MovementKind.PAYMENT,
                    t.paid_on,
                    t.amount,
                    subject,
                    t.payment_reference or "",
                    link,
                    t.paid_at,
                )
            )
        elif t.amount:
            kind = MovementKind(t.status.value)
            closed = t.closed_at
            found.append(Movement(kind, _day(closed), t.amount, subject, t.reason, link, closed))
    return found
