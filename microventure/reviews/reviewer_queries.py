"""Read side for the reviewer's pages: their assignments with progress, one assignment with what
its page shows, and the other reviews of the same application."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, selectinload

from microventure.accounts.models import Organization, User
from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.extensions import db
from microventure.reviews.models import Assignment, AssignmentStatus, Review

A = AssignmentStatus
PENDING = (A.ASSIGNED, A.ACCEPTED)


@dataclass
class CallGroup:
    """One call's assignments on the reviewer's list, with its progress."""

    call_id: int
    call_title: str
    rows: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.status is A.SUBMITTED)

    @property
    def first_pending_due(self) -> date | None:
        return min((r.due_on for r in self.rows if r.status in PENDING), default=None)


@dataclass
class ReviewerList:
    groups: list[CallGroup]
    declined: list[Any]
    next_row: Any | None

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def done(self) -> int:
        return sum(g.done for g in self.groups)

    @property
    def to_declare(self) -> int:
        """Assignments whose declaration is not signed yet (the list declaration's)."""
        return sum(1 for g in self.groups for r in g.rows if r.status is A.ASSIGNED)


def _next_key(row: Any) -> tuple:
    return (row.due_on, row.reference or "", row.id)


def assignments_of(reviewer: User) -> ReviewerList:
    """Every assignment of the reviewer in one query (application and call joined in), grouped by
    call: calls with work left first (earliest due first), then finished ones, newest first."""
    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.status,
            Assignment.due_on,
            Assignment.conflict_reason,
            Application.reference,
            Application.title,
            Call.id.label("call_id"),
            Call.title.label("call_title"),
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(Call, Call.id == Assignment.call_id)
        .where(Assignment.reviewer_id == reviewer.id)
        .order_by(Assignment.due_on, Application.reference, Assignment.id)
    ).all()
    groups: dict[int, CallGroup] = {}
    declined = []
    for row in rows:
        if row.status is A.DECLINED:
            declined.append(row)
            continue
        groups.setdefault(row.call_id, CallGroup(row.call_id, row.call_title)).rows.append(row)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g.first_pending_due is None,
            g.first_pending_due or date.min,
            -g.call_id,
        ),
    )
    pending = [r for r in rows if r.status in PENDING]
    return ReviewerList(
        groups=ordered,
        declined=declined,
        next_row=min(pending, key=_next_key) if pending else None,
    )


def to_declare(reviewer: User) -> list[CallGroup]:
    """The reviewer's assignments awaiting the declaration, with what the declaration step may
    show (never the application's content), grouped by call, the earliest due first: one query."""
    custodian = aliased(Organization, name="custodian")
    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.due_on,
            Application.reference,
            Application.title,
            Application.domain,
            Organization.name.label("organization"),
            custodian.name.label("custodian"),
            Call.id.label("call_id"),
            Call.title.label("call_title"),
            Call.blind_review,
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(Organization, Organization.id == Application.organization_id)
        .outerjoin(custodian, custodian.id == Organization.custodian_id)
        .join(Call, Call.id == Assignment.call_id)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.status == A.ASSIGNED)
        .order_by(Assignment.due_on, Application.reference, Assignment.id)
    ).all()
    groups: dict[int, CallGroup] = {}
    for row in rows:
        groups.setdefault(row.call_id, CallGroup(row.call_id, row.call_title)).rows.append(row)
    return list(groups.values())


def own_assignments(reviewer: User, ids: list[int]) -> list[Assignment]:
    """The chosen assignments of ``reviewer`` (in any state) with their application; anyone
    else's are left out."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Assignment)
            .options(joinedload(Assignment.application))
            .where(Assignment.reviewer_id == reviewer.id, Assignment.id.in_(ids))
            .order_by(Assignment.due_on, Assignment.id)
        )
    )


def next_pending_id(reviewer: User, *, after: int | None = None) -> int | None:
    """The reviewer's next assignment to work on (earliest due, then reference), not ``after``."""
    stmt = (
        select(Assignment.id)
        .join(Application, Application.id == Assignment.application_id)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.status.in_(PENDING))
        .order_by(Assignment.due_on, Application.reference, Assignment.id)
        .limit(1)
    )
    if after is not None:
        stmt = stmt.where(Assignment.id != after)
    return db.session.scalar(stmt)


def assignment_page(assignment_id: int) -> Assignment | None:
    """An assignment with its application, call, rubric, organisation and own review loaded."""
    return db.session.scalar(
        select(Assignment)
        .options(
            joinedload(Assignment.application)
            .joinedload(Application.call)
            .selectinload(Call.criteria),
            joinedload(Assignment.application)
            .joinedload(Application.organization)
            .joinedload(Organization.custodian),
            joinedload(Assignment.review).selectinload(Review.scores),
        )
        .where(Assignment.id == assignment_id)
    )


def other_reviews(assignment: Assignment) -> list[Review]:
    """The submitted reviews of the same application by other reviewers, in assignment order
    (so "Reviewer A" stays the same person on every visit)."""
    return list(
        db.session.scalars(
            select(Review)
            .join(Assignment, Assignment.id == Review.assignment_id)
            .options(selectinload(Review.scores))
            .where(
                Assignment.application_id == assignment.application_id,
                Assignment.id != assignment.id,
                Assignment.status == A.SUBMITTED,
                Review.submitted_at.is_not(None),
            )
            .order_by(Assignment.id)
        )
    )
