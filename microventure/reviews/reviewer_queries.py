"""Read side for the reviewer's pages: their assignments with progress, one assignment with what
its page shows, and the other reviews of the same application."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from microventure.accounts.models import Organization, User
from microventure.applications.models import Application
from microventure.calls.models import Call
from microventure.core.pagination import ListPage
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
class FinishedCall:
    """A call where the reviewer has no work left, summed up in one line of their list."""

    call_id: int
    call_title: str
    total: int
    done: int
    declined: int


@dataclass
class ReviewerList:
    """The reviewer's list: calls with work left in full (bounded by the open calls), and a
    page of the finished calls summed up, newest first (their assignments on the call's own
    paginated list, ``call_assignments``)."""

    groups: list[CallGroup]
    declined: list[Any]
    next_row: Any | None
    finished: ListPage
    finished_total: int = 0
    finished_done: int = 0

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups) + self.finished_total

    @property
    def done(self) -> int:
        return sum(g.done for g in self.groups) + self.finished_done

    @property
    def to_declare(self) -> int:
        """Assignments whose declaration is not signed yet (the list declaration's)."""
        return sum(1 for g in self.groups for r in g.rows if r.status is A.ASSIGNED)


def _next_key(row: Any) -> tuple:
    return (row.due_on, row.reference or "", row.id)


FINISHED_PER_PAGE = 20
CALL_PER_PAGE = 50


def _calls_with_work_left(reviewer: User):
    return select(Assignment.call_id).where(
        Assignment.reviewer_id == reviewer.id, Assignment.status.in_(PENDING)
    )


def _row_columns():
    return (
        Assignment.id,
        Assignment.status,
        Assignment.due_on,
        Assignment.conflict_reason,
        Application.reference,
        Application.title,
        Call.id.label("call_id"),
        Call.title.label("call_title"),
    )


def _finished_calls(reviewer: User, page: int) -> tuple[ListPage, int, int]:
    """One page of the reviewer's finished calls with their counts, and the counts over all of
    them (window sums): one query."""
    counted = ~Assignment.status.in_((A.DECLINED,))
    total = func.count().filter(counted)
    done = func.count().filter(Assignment.status == A.SUBMITTED)
    rows = db.session.execute(
        select(
            Call.id,
            Call.title,
            total.label("total"),
            done.label("done"),
            func.count().filter(Assignment.status == A.DECLINED).label("declined"),
            func.count().over().label("calls"),
            func.sum(total).over().label("all_total"),
            func.sum(done).over().label("all_done"),
        )
        .join(Call, Call.id == Assignment.call_id)
        .where(
            Assignment.reviewer_id == reviewer.id,
            Assignment.call_id.not_in(_calls_with_work_left(reviewer)),
        )
        .group_by(Call.id, Call.title)
        .order_by(Call.id.desc())
        .limit(FINISHED_PER_PAGE)
        .offset((page - 1) * FINISHED_PER_PAGE)
    ).all()
    if not rows and page > 1:  # past the last page: the first (and the counts of them all)
        return _finished_calls(reviewer, 1)
    items = [FinishedCall(r.id, r.title, r.total, r.done, r.declined) for r in rows]
    first = rows[0] if rows else None
    calls = first.calls if first else 0
    listing = ListPage(items, total=calls, page=page, per_page=FINISHED_PER_PAGE)
    if first is None:
        return listing, 0, 0
    return listing, int(first.all_total or 0), int(first.all_done or 0)


def assignments_of(reviewer: User, *, page: int = 1) -> ReviewerList:
    """The reviewer's list in two queries: every assignment of the calls with work left
    (application and call joined in), grouped by call, the earliest due first; and one page of
    the finished calls summed up (``page``), newest first; a page past their last is the first."""
    rows = db.session.execute(
        select(*_row_columns())
        .join(Application, Application.id == Assignment.application_id)
        .join(Call, Call.id == Assignment.call_id)
        .where(
            Assignment.reviewer_id == reviewer.id,
            Assignment.call_id.in_(_calls_with_work_left(reviewer)),
        )
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
    finished, finished_total, finished_done = _finished_calls(reviewer, page)
    return ReviewerList(
        groups=ordered,
        declined=declined,
        next_row=min(pending, key=_next_key) if pending else None,
        finished=finished,
        finished_total=finished_total,
        finished_done=finished_done,
    )


@dataclass
class CallAssignments:
    """One call's assignments of the reviewer, a page at a time, with the call's counts."""

    call_id: int
    call_title: str
    total: int
    done: int
    rows: Pagination


def call_assignments(reviewer: User, call_id: int, *, page: int = 1) -> CallAssignments | None:
    """A page of the reviewer's assignments in one call (released ones too), by due date and
    reference, with the call's counts: two queries (the counts, the page). None if the
    reviewer has none there."""
    counts = db.session.execute(
        select(
            Call.title,
            func.count().filter(Assignment.status != A.DECLINED).label("total"),
            func.count().filter(Assignment.status == A.SUBMITTED).label("done"),
            func.count().label("all"),
        )
        .join(Call, Call.id == Assignment.call_id)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.call_id == call_id)
        .group_by(Call.title)
    ).first()
    if counts is None:
        return None
    per_page = CALL_PER_PAGE
    rows = db.session.execute(
        select(*_row_columns())
        .join(Application, Application.id == Assignment.application_id)
        .join(Call, Call.id == Assignment.call_id)
        .where(Assignment.reviewer_id == reviewer.id, Assignment.call_id == call_id)
        .order_by(Assignment.due_on, Application.reference, Assignment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return CallAssignments(
        call_id=call_id,
        call_title=counts.title,
        total=counts.total,
        done=counts.done,
        rows=ListPage(rows, total=counts.all, page=page, per_page=per_page),
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
