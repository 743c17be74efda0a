"""Read side of the review admin pages: the pool, a call's assignment board and its progress.
Set-based: every function is one or two queries whatever the number of rows."""

from collections import defaultdict
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import Organization, Street, User, VerificationStatus
from microventure.applications.models import Application
from microventure.calls.models import Domain
from microventure.core.models import AuditEvent
from microventure.core.pagination import paginate_rows
from microventure.extensions import db
from microventure.reviews.models import (
    OUTSTANDING,
    Assignment,
    AssignmentStatus,
    DeclaredConflict,
    Review,
    ReviewerProfile,
    Score,
)
from microventure.reviews.services import REMINDER_ACTION, REVIEWABLE

A = AssignmentStatus

# ----------------------------------------------------------------------------------- the pool


def _open_counts():
    """Open assignments per reviewer, across every call."""
    return (
        select(Assignment.reviewer_id, func.count().label("open"))
        .where(Assignment.status.in_(OUTSTANDING))
        .group_by(Assignment.reviewer_id)
        .subquery("open_assignments")
    )


def pool_page(*, search: str | None, state: str | None, page: int, per_page: int) -> Pagination:
    """One page of the pool as rows, searched by name, e-mail, mobile, affiliation or
    organisation; ``state`` is "active", "inactive" or None for everyone. Two queries."""
    ids = (
        select(ReviewerProfile.id)
        .join(User, User.id == ReviewerProfile.user_id)
        .outerjoin(Organization, Organization.id == ReviewerProfile.organization_id)
    )
    if search:
        ids = ids.where(
            or_(
                User.name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
                User.mobile.icontains(search, autoescape=True),
                ReviewerProfile.affiliation.icontains(search, autoescape=True),
                Organization.name.icontains(search, autoescape=True),
            )
        )
    if state == "active":
        ids = ids.where(ReviewerProfile.active.is_(True), User.is_active.is_(True))
    elif state == "inactive":
        ids = ids.where(or_(ReviewerProfile.active.is_(False), User.is_active.is_(False)))
    counts = _open_counts()
    rows = (
        select(
            ReviewerProfile.id,
            ReviewerProfile.user_id,
            ReviewerProfile.expertise,
            ReviewerProfile.affiliation,
            ReviewerProfile.active,
            User.name,
            User.email,
            User.mobile,
            User.is_active.label("account_active"),
            Organization.name.label("organization"),
            Street.name.label("street"),
            Street.name_en.label("street_en"),
            func.coalesce(counts.c.open, 0).label("open_assignments"),
        )
        .join(User, User.id == ReviewerProfile.user_id)
        .outerjoin(Organization, Organization.id == ReviewerProfile.organization_id)
        .outerjoin(Street, Street.id == ReviewerProfile.street_id)
        .outerjoin(counts, counts.c.reviewer_id == ReviewerProfile.user_id)
        .where(ReviewerProfile.id.in_(ids))
        .order_by(User.name, ReviewerProfile.id)
    )
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)


def domains_of(values: list[Any] | None) -> list[Domain]:
    """The stored expertise codes as domains (unknown codes, e.g. from an old release, dropped)."""
    return [Domain(v) for v in values or () if v in Domain._value2member_map_]


def profile(profile_id: int) -> ReviewerProfile | None:
    return db.session.scalar(
        select(ReviewerProfile)
        .options(
            joinedload(ReviewerProfile.user),
            joinedload(ReviewerProfile.organization),
            joinedload(ReviewerProfile.street),
        )
        .where(ReviewerProfile.id == profile_id)
    )


def declared_conflicts(reviewer_id: int) -> list[Row]:
    return list(
        db.session.execute(
            select(
                DeclaredConflict.id,
                DeclaredConflict.reason,
                DeclaredConflict.created_at,
                Organization.name.label("organization"),
            )
            .join(Organization, Organization.id == DeclaredConflict.organization_id)
            .where(DeclaredConflict.reviewer_id == reviewer_id)
            .order_by(DeclaredConflict.created_at.desc(), DeclaredConflict.id.desc())
        )
    )


def organization_choices(blank: str, *, keep: int | None = None) -> list[tuple]:
    """Verified organisations (applicants and custodians), plus ``keep`` — the one a profile
    already names — so saving a profile never silently drops it."""
    condition = Organization.verification_status == VerificationStatus.VERIFIED
    if keep:
        condition = or_(condition, Organization.id == keep)
    rows = db.session.execute(
        select(Organization.id, Organization.name).where(condition).order_by(Organization.name)
    )
    return [("", blank)] + [(r.id, r.name) for r in rows]


# ------------------------------------------------------------------------- the assignment board


def reviewable_page(call_id: int, *, page: int, per_page: int) -> Pagination:
    """The call's applications that can be reviewed, with their organisations (for conflicts)."""
    stmt = (
        select(Application)
        .options(joinedload(Application.organization))
        .where(Application.call_id == call_id, Application.status.in_(REVIEWABLE))
        .order_by(Application.reference, Application.id)
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def reviewable_choices(call_id: int) -> list[Row]:
    """Every reviewable application of the call, lean, for pickers and the plan preview."""
    return list(
        db.session.execute(
            select(
                Application.id,
                Application.reference,
                Application.title,
                Application.domain,
                Organization.name.label("organization"),
            )
            .join(Organization, Organization.id == Application.organization_id)
            .where(Application.call_id == call_id, Application.status.in_(REVIEWABLE))
            .order_by(Application.reference, Application.id)
        )
    )


def call_assignments(call_id: int) -> list[Row]:
    """Every assignment of the call with its reviewer's name and the application's reference."""
    return list(
        db.session.execute(
            select(
                Assignment.id,
                Assignment.application_id,
                Assignment.reviewer_id,
                Assignment.status,
                Assignment.due_on,
                Assignment.conflict_reason,
                User.name.label("reviewer"),
                Application.reference,
                Application.title,
            )
            .join(User, User.id == Assignment.reviewer_id)
            .join(Application, Application.id == Assignment.application_id)
            .where(Assignment.call_id == call_id)
            .order_by(Application.reference, Assignment.id)
        )
    )


def by_application(rows: list[Row]) -> dict[int, list[Row]]:
    grouped: defaultdict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.application_id].append(row)
    return grouped


def by_reviewer(rows: list[Row]) -> dict[int, list[Row]]:
    grouped: defaultdict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.reviewer_id].append(row)
    return grouped


def pool_directory() -> dict[int, Row]:
    """Active reviewers by user id — the same people ``pool.members()`` plans with — with the
    name, e-mail and expertise the pages show."""
    rows = db.session.execute(
        select(ReviewerProfile.user_id, User.name, User.email, ReviewerProfile.expertise)
        .join(User, User.id == ReviewerProfile.user_id)
        .where(ReviewerProfile.active.is_(True), User.is_active.is_(True))
        .order_by(User.name, ReviewerProfile.user_id)
    )
    return {row.user_id: row for row in rows}


def active_reviewers(application_id: int) -> int:
    """How many reviewers the application has, released ones not counted."""
    return db.session.scalar(
        select(func.count()).where(
            Assignment.application_id == application_id, Assignment.status != A.DECLINED
        )
    )


def account_exists(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None


def applications_of_call(call_id: int, application_ids: list[int]) -> list[Application]:
    """The chosen applications, only those of this call, in reference order."""
    if not application_ids:
        return []
    return list(
        db.session.scalars(
            select(Application)
            .options(joinedload(Application.organization))
            .where(Application.call_id == call_id, Application.id.in_(application_ids))
            .order_by(Application.reference, Application.id)
        )
    )


# ---------------------------------------------------------------------------------- progress


def progress(call_id: int, today: date) -> list[Row]:
    """Per reviewer of the call: assigned (all), submitted, outstanding, overdue, declined,
    the next due date and the last activity (a declaration or a saved review). One query."""
    outstanding = Assignment.status.in_(OUTSTANDING)

    def tally(condition) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    stmt = (
        select(
            Assignment.reviewer_id,
            User.name,
            User.email,
            User.mobile,
            func.count(Assignment.id).label("assigned"),
            tally(Assignment.status == A.SUBMITTED).label("submitted"),
            tally(outstanding).label("outstanding"),
            tally(and_(outstanding, Assignment.due_on < today)).label("overdue"),
            tally(Assignment.status == A.DECLINED).label("declined"),
            func.min(case((outstanding, Assignment.due_on))).label("next_due"),
            func.max(Assignment.declared_at).label("last_declared"),
            func.max(Review.updated_at).label("last_saved"),
        )
        .join(User, User.id == Assignment.reviewer_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.call_id == call_id)
        .group_by(Assignment.reviewer_id, User.name, User.email, User.mobile)
        .order_by(User.name, Assignment.reviewer_id)
    )
    return list(db.session.execute(stmt))


def last_reminders(call_id: int) -> dict[int, Any]:
    """When a reminder was last requested for each reviewer of the call (from the audit log)."""
    rows = db.session.execute(
        select(AuditEvent.after, AuditEvent.occurred_at).where(
            AuditEvent.object_type == "calls",
            AuditEvent.object_id == call_id,
            AuditEvent.action == REMINDER_ACTION,
        )
    )
    latest: dict[int, Any] = {}
    for after, occurred_at in rows:
        reviewer_id = (after or {}).get("reviewer_id")
        if reviewer_id is not None and (
            reviewer_id not in latest or occurred_at > latest[reviewer_id]
        ):
            latest[reviewer_id] = occurred_at
    return latest


def outstanding_of(call_id: int, reviewer_id: int, today: date) -> Row:
    """(assigned, outstanding, overdue) for one reviewer in one call."""
    outstanding = Assignment.status.in_(OUTSTANDING)
    return db.session.execute(
        select(
            func.count(Assignment.id).label("assigned"),
            func.coalesce(func.sum(case((outstanding, 1), else_=0)), 0).label("outstanding"),
            func.coalesce(
                func.sum(case((and_(outstanding, Assignment.due_on < today), 1), else_=0)), 0
            ).label("overdue"),
        ).where(Assignment.call_id == call_id, Assignment.reviewer_id == reviewer_id)
    ).one()


def submitted_page(call_id: int, *, page: int, per_page: int) -> Pagination:
    """The call's submitted reviews (newest first) with their totals, for reopening."""
    ids = select(Assignment.id).where(
        Assignment.call_id == call_id, Assignment.status == A.SUBMITTED
    )
    totals = (
        select(Score.review_id, func.sum(Score.half_points).label("half_points"))
        .where(
            Score.review_id.in_(
                select(Review.id)
                .join(Assignment, Assignment.id == Review.assignment_id)
                .where(Assignment.call_id == call_id)
            )
        )
        .group_by(Score.review_id)
        .subquery("totals")
    )
    rows = (
        select(
            Assignment.id,
            Assignment.application_id,
            Application.reference,
            Application.title,
            User.name.label("reviewer"),
            Review.submitted_at,
            Review.recommendation,
            func.coalesce(totals.c.half_points, 0).label("half_points"),
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.reviewer_id)
        .join(Review, Review.assignment_id == Assignment.id)
        .outerjoin(totals, totals.c.review_id == Review.id)
        .where(Assignment.id.in_(ids))
        .order_by(Review.submitted_at.desc(), Assignment.id.desc())
    )
    return paginate_rows(rows, page=page, per_page=per_page, ids=ids)
