"""Reviewer pool, declared conflicts, assignments, reviews and their per-criterion scores."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import Organization, Street, User
from microventure.applications.models import Application
from microventure.calls.models import RubricCriterion
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine


class AssignmentStatus(LabelledEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    SUBMITTED = "submitted"
    DECLINED = "declined"

    @property
    def is_outstanding(self) -> bool:
        """Given and neither submitted nor released by a conflict (``OUTSTANDING``)."""
        return self in OUTSTANDING

    def is_overdue(self, due_on: date, today: date) -> bool:
        """Outstanding after its due date (``Assignment.is_overdue`` is the same rule in SQL)."""
        return self.is_outstanding and due_on < today


labels(
    AssignmentStatus,
    {
        AssignmentStatus.ASSIGNED: _l("Awaiting declaration"),
        AssignmentStatus.ACCEPTED: _l("Declared, scoring"),
        AssignmentStatus.SUBMITTED: _l("Review submitted"),
        AssignmentStatus.DECLINED: _l("Conflict declared"),
    },
)


class Recommendation(LabelledEnum):
    FUND = "fund"
    FUND_WITH_CHANGES = "fund_with_changes"
    DO_NOT_FUND = "do_not_fund"


labels(
    Recommendation,
    {
        Recommendation.FUND: _l("Fund it"),
        Recommendation.FUND_WITH_CHANGES: _l("Fund with changes"),
        Recommendation.DO_NOT_FUND: _l("Do not fund"),
    },
)


class ReviewerProfile(Base):
    """A member of the district's reviewer pool (评审专家库)."""

    __tablename__ = "reviewer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    expertise: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    affiliation: Mapped[str] = mapped_column(sa.String(120), default="")
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    organization: Mapped[Organization | None] = relationship()
    street: Mapped[Street | None] = relationship()


class DeclaredConflict(Base):
    """A standing conflict of interest between a reviewer and an organisation (回避)."""

    __tablename__ = "declared_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("reviewer_id", "organization_id"),)


class Assignment(Base):
    """An application given to a reviewer, with a due date; the declaration comes first."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ASSIGNED
    )
    due_on: Mapped[date]
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_at: Mapped[datetime | None]
    conflict_reason: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    review: Mapped["Review | None"] = relationship(back_populates="assignment", uselist=False)

    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint(
            "(status = 'declined') = (conflict_reason IS NOT NULL)", name="conflict_has_reason"
        ),
        sa.CheckConstraint(
            "status = 'assigned' OR declared_at IS NOT NULL", name="declared_before_scoring"
        ),
    )

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.status.is_overdue(self.due_on, today)

    @is_overdue.expression
    def is_overdue(cls, today: date):
        return sa.and_(cls.status.in_(OUTSTANDING), cls.due_on < today)


class Review(Base):
    """A reviewer's scores, comment and recommendation on one assignment."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), unique=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation")
    )
    suggested_amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="review")
    scores: Mapped[list["Score"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Score.criterion_id"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "suggested_amount IS NULL OR suggested_amount >= 0", name="suggested_nonnegative"
        ),
        sa.CheckConstraint(
            "submitted_at IS NULL OR recommendation IS NOT NULL",
            name="submitted_has_recommendation",
        ),
    )

    @property
    def total(self) -> float:
        return sum(score.points for score in self.scores)


class Score(Base):
    """Points for one rubric criterion, kept in half points so ½ steps are exact."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criteria.id"))
    half_points: Mapped[int] = mapped_column(sa.SmallInteger)

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.CheckConstraint("half_points >= 0", name="points_nonnegative"),
    )

    @property
    def points(self) -> float:
        return self.half_points / 2


# An assignment's state machine: declaration, conflict, submission, reopening.
_A = AssignmentStatus
OUTSTANDING = (_A.ASSIGNED, _A.ACCEPTED)  # given and not yet submitted or released
ASSIGNMENT = StateMachine(
    Assignment,
    moves={
        (_A.ASSIGNED, _A.ACCEPTED): "review.declaration_signed",  # no conflict of interest
        (_A.ASSIGNED, _A.DECLINED): "review.conflict_declared",
        (_A.ACCEPTED, _A.DECLINED): "review.conflict_declared",
        (_A.ACCEPTED, _A.SUBMITTED): "review.submitted",
        (_A.SUBMITTED, _A.ACCEPTED): "review.reopened",  # by an admin
    },
    refusal=N_("A review that is %(current)s cannot become %(new)s."),
    audited_on=lambda assignment: assignment.application,
    describe=lambda assignment: {"assignment_id": assignment.id},
)
