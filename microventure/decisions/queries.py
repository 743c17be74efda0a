"""Read side of the decision pages: the funding line beside each application's decision, the
notice with its objections, and the public notices. Each page costs a fixed number of queries
whatever the number of applications, objections or notices."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from microventure.accounts.models import Organization, Street, User
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call
from microventure.core.pagination import paginate_rows
from microventure.core.timeutil import utcnow
from microventure.decisions.funding_line import Basis, FundingLine, LineEntry, propose
from microventure.decisions.models import (
    HOLDING,
    Decision,
    Notice,
    Objection,
    ObjectionStatus,
    Outcome,
)
from microventure.decisions.rules import UNDECIDED, Phase, may_decide, substitutes_open
from microventure.extensions import db
from microventure.funds.queries import CallFigures, call_balance
from microventure.projects.models import Project
from microventure.reviews.models import Assignment, Review
from microventure.reviews.ranking.queries import ranking

S = ApplicationStatus


# --------------------------------------------------------------------------- decisions page


@dataclass(frozen=True)
class CurrentDecision:
    outcome: Outcome
    amount: int | None
    conditions: str
    reason: str
    decided_at: datetime


@dataclass(frozen=True)
class DecisionRow:
    """One application on the decisions page: its place in the funding line (``rank`` is None
    for an application without a submitted review) and its decision so far."""

    rank: int | None
    entry: LineEntry
    decision: CurrentDecision | None

    @property
    def application_id(self) -> int:
        return self.entry.row.application_id

    @property
    def status(self) -> ApplicationStatus:
        return self.entry.row.status

    @property
    def suggested_mean(self) -> int | None:
        s = self.entry.row.suggested
        return round(sum(s) / len(s)) if s else None

    @property
    def withdrawn_after_objection(self) -> bool:
        return (
            self.decision is not None
            and self.decision.outcome is Outcome.RECOMMENDED
            and self.status is S.REJECTED
        )

    def form_values(self) -> tuple[int | None, str, str]:
        """What the decision form of this row starts with: the amount it is recommended at,
        else the amount the funding line proposes; its conditions and reason so far."""
        d = self.decision
        if d is None:
            return self.entry.amount, "", ""
        recommended = d.outcome is Outcome.RECOMMENDED
        return (d.amount if recommended else self.entry.amount), d.conditions, d.reason


@dataclass(frozen=True)
class DecisionsPage:
    call: Call
    basis: Basis
    line: FundingLine
    rows: list[DecisionRow]  # scored, best first: the funding line
    unscored: list[DecisionRow]  # no submitted review yet: under the line
    figures: CallFigures
    waiting: int  # submitted but not screened: they block the notice
    substitutes: bool  # the notice runs and a withdrawn recommendation's place is free

    def may_decide(self, row: DecisionRow, stage: Phase) -> bool:
        """The row may be decided now, by the rule the decisions service enforces."""
        return may_decide(row.status, stage, substitutes=self.substitutes)

    @property
    def room(self) -> int:
        """Budget not yet held by a recommendation."""
        return self.figures.budget - self.figures.granted

    @property
    def line_at(self) -> int:
        """How many rows stand above the funding line."""
        return self.line.line_at

    def row(self, application_id: int | None) -> DecisionRow | None:
        return next(
            (r for r in [*self.rows, *self.unscored] if r.application_id == application_id), None
        )


def applications_of(call: Call, ids) -> list[Application]:
    """The call's applications among ``ids`` (others are left out), by reference."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.id.in_(set(ids)), Application.call_id == call.id)
            .order_by(Application.reference, Application.id)
        )
    )


def current_decisions(call_id: int) -> dict[int, CurrentDecision]:
    return {
        r.application_id: CurrentDecision(r.outcome, r.amount, r.conditions, r.reason, r.decided_at)
        for r in db.session.execute(
            select(
                Decision.application_id,
                Decision.outcome,
                Decision.amount,
                Decision.conditions,
                Decision.reason,
                Decision.decided_at,
            ).where(Decision.call_id == call_id)
        )
    }


def decisions_page(call: Call, basis: Basis) -> DecisionsPage:
    """The funding line over the call's ranking, with each application's current decision and
    the call's budget figures."""
    ranked = ranking(call, criteria=False)  # the decisions page shows no criterion
    line = propose(ranked, call.budget, basis, call.funding_line_rule)
    decisions = current_decisions(call.id)
    rows = [
        DecisionRow(rank, entry, decisions.get(entry.row.application_id))
        for rank, entry in enumerate(line.entries, 1)
    ]
    unscored = [
        DecisionRow(None, LineEntry(r, r.requested, False), decisions.get(r.application_id))
        for r in ranked
        if r.aggregate is None
    ]
    waiting = db.session.scalar(
        select(func.count()).where(
            Application.call_id == call.id, Application.status == S.SUBMITTED
        )
    )
    return DecisionsPage(
        call,
        basis,
        line,
        rows,
        unscored,
        call_balance(call),
        waiting or 0,
        substitutes_open(call, utcnow()),
    )


# ------------------------------------------------------------------------------ notice page


@dataclass(frozen=True)
class NoticeProject:
    application_id: int
    reference: str
    title: str
    organization: str
    street: str
    street_en: str
    amount: int
    status: ApplicationStatus
    conditions: str
    street_id: int

    @property
    def withdrawn(self) -> bool:
        """Its recommendation was revoked after an upheld objection."""
        return self.status is S.REJECTED

    def street_name(self, locale: str) -> str:
        return self.street if locale.startswith("zh") else self.street_en


def notice_projects(call_id: int) -> list[NoticeProject]:
    """The call's recommended (later approved) applications, and those whose recommendation
    was withdrawn after an objection, by reference."""
    return [
        NoticeProject(*r)
        for r in db.session.execute(
            select(
                Application.id,
                Application.reference,
                Application.title,
                Organization.name,
                Street.name,
                Street.name_en,
                Decision.amount,
                Application.status,
                Decision.conditions,
                Street.id,
            )
            .join(Application, Application.id == Decision.application_id)
            .join(Organization, Organization.id == Application.organization_id)
            .join(Street, Street.id == Organization.street_id)
            .where(
                Decision.call_id == call_id,
                Decision.outcome == Outcome.RECOMMENDED,
                Application.status.in_((S.RECOMMENDED, S.APPROVED, S.REJECTED)),
            )
            .order_by(Application.reference)
        )
    ]


@dataclass(frozen=True)
class ObjectionRow:
    id: int
    name: str
    contact: str
    text: str
    received_at: datetime
    status: ObjectionStatus
    resolution: str
    resolved_at: datetime | None
    resolved_by: str | None
    reference: str | None
    project: str | None


def objections(notice_id: int) -> list[ObjectionRow]:
    resolver = aliased(User)
    return [
        ObjectionRow(*r)
        for r in db.session.execute(
            select(
                Objection.id,
                Objection.name,
                Objection.contact,
                Objection.text,
                Objection.received_at,
                Objection.status,
                Objection.resolution,
                Objection.resolved_at,
                resolver.name,
                Application.reference,
                Application.title,
            )
            .outerjoin(Application, Application.id == Objection.application_id)
            .outerjoin(resolver, resolver.id == Objection.resolved_by_id)
            .where(Objection.notice_id == notice_id)
            .order_by(Objection.received_at, Objection.id)
        )
    ]


@dataclass(frozen=True)
class NoticePage:
    call: Call
    notice: Notice | None
    projects: list[NoticeProject]
    undecided: int  # submitted, eligible or in review: publishing waits for them
    objections: list[ObjectionRow]
    project_count: int  # projects created when the call was finalized

    @property
    def recommended_total(self) -> int:
        return sum(p.amount for p in self.projects if not p.withdrawn)

    @property
    def open_objections(self) -> int:
        return sum(1 for o in self.objections if o.status is ObjectionStatus.OPEN)


def notice_of(call_id: int) -> Notice | None:
    return db.session.scalar(select(Notice).where(Notice.call_id == call_id))


def notice_page(call: Call) -> NoticePage:
    notice = notice_of(call.id)
    undecided = db.session.scalar(
        select(func.count()).where(
            Application.call_id == call.id, Application.status.in_(UNDECIDED)
        )
    )
    projects = 0
    if notice is not None and notice.finalized_at is not None:
        projects = db.session.scalar(select(func.count()).where(Project.call_id == call.id))
    return NoticePage(
        call,
        notice,
        notice_projects(call.id),
        undecided or 0,
        objections(notice.id) if notice else [],
        projects or 0,
    )


# ----------------------------------------------------------------------------- public pages


def _holding(what):
    """``what`` over a call's recommendations still standing (recommended, later approved):
    what its notice lists, less those withdrawn after an objection."""
    return (
        select(what)
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(
            Decision.call_id == Notice.call_id,
            Decision.outcome == Outcome.RECOMMENDED,
            Application.status.in_(HOLDING),
        )
        .correlate(Notice)
        .scalar_subquery()
    )


class NoticeState:
    OPEN = "open"  # objections are taken until its end
    ENDED = "ended"
    ALL = (OPEN, ENDED)


def published_notices(
    *, page: int, per_page: int, state: str | None = None, now: datetime | None = None
):
    """Calls whose notice is published, newest first: one page of plain rows, each with how
    many projects it lists and their total (合计); only those open (or ended) at ``now`` when
    ``state`` says so."""
    window = []
    if state is not None:
        now = now or utcnow()
        window = [Notice.ends_at > now if state == NoticeState.OPEN else Notice.ends_at <= now]
    rows = (
        select(
            Notice.call_id,
            Notice.starts_on,
            Notice.ends_on,
            Notice.ends_at,
            Notice.working_days,
            Notice.published_at,
            Call.code,
            Call.title,
            Street.id.label("street_id"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            _holding(func.count()).label("projects"),
            _holding(sa.cast(func.coalesce(func.sum(Decision.amount), 0), sa.BigInteger)).label(
                "total"
            ),
        )
        .join(Call, Call.id == Notice.call_id)
        .outerjoin(Street, Street.id == Call.street_id)
        .where(*window)
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    )
    ids = select(Notice.id).where(*window)
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def public_notice(call_id: int) -> tuple[Call, Notice] | None:
    """The call and its notice (with the call's street loaded), or None without a notice."""
    row = db.session.execute(
        select(Call, Notice)
        .join(Notice, Notice.call_id == Call.id)
        .options(joinedload(Call.street))
        .where(Call.id == call_id)
    ).first()
    return (row[0], row[1]) if row else None


def reviewer_names(call_id: int) -> list[str]:
    """The reviewers who submitted a review for the call, by name."""
    return list(
        db.session.scalars(
            select(User.name)
            .join(Assignment, Assignment.reviewer_id == User.id)
            .join(Review, Review.assignment_id == Assignment.id)
            .where(Assignment.call_id == call_id, Review.submitted_at.is_not(None))
            .group_by(User.id, User.name)
            .order_by(User.name, User.id)
        )
    )
