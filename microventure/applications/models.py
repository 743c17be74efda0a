"""Application tables: the application, its repeatable rows, attachments and versions."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import Organization, User
from microventure.calls.models import AttachmentKind, BudgetCategory, Call, CallQuestion, Domain
from microventure.core.models import AppendOnly, Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine


class ApplicationStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    INELIGIBLE = "ineligible"
    ELIGIBLE = "eligible"
    IN_REVIEW = "in_review"
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


labels(
    ApplicationStatus,
    {
        ApplicationStatus.DRAFT: _l("Draft"),
        ApplicationStatus.SUBMITTED: _l("Submitted"),
        ApplicationStatus.RETURNED: _l("Returned for revision"),
        ApplicationStatus.INELIGIBLE: _l("Ineligible"),
        ApplicationStatus.ELIGIBLE: _l("Eligible"),
        ApplicationStatus.IN_REVIEW: _l("In review"),
        ApplicationStatus.RECOMMENDED: _l("Recommended for funding"),
        ApplicationStatus.NOT_RECOMMENDED: _l("Not recommended"),
        ApplicationStatus.APPROVED: _l("Approved"),
        ApplicationStatus.REJECTED: _l("Rejected"),
        ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    },
)


class FundingSource(LabelledEnum):
    GRANT = "grant"
    MATCHING = "matching"
    IN_KIND = "in_kind"


labels(
    FundingSource,
    {
        FundingSource.GRANT: _l("Grant"),
        FundingSource.MATCHING: _l("Matching funds"),
        FundingSource.IN_KIND: _l("In kind"),
    },
)


class Application(Base):
    """An organisation's application to a call (申报书)."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT
    )
    reference: Mapped[str | None] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    domain: Mapped[Domain | None] = mapped_column(enum_column(Domain, "domain"))
    community_ids: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    beneficiary_groups: Mapped[str] = mapped_column(sa.String(200), default="")
    direct_beneficiaries: Mapped[int | None]
    indirect_beneficiaries: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    need_analysis: Mapped[str] = mapped_column(sa.Text, default="")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    risks: Mapped[str] = mapped_column(sa.Text, default="")
    sustainability: Mapped[str] = mapped_column(sa.Text, default="")
    screening_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    # the grant budget lines added up (fen), kept by save_draft: what the results figures read
    requested_grant: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    call: Mapped[Call] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    activities: Mapped[list["PlannedActivity"]] = relationship(
        order_by="PlannedActivity.position", cascade="all, delete-orphan"
    )
    indicators: Mapped[list["OutcomeIndicator"]] = relationship(
        order_by="OutcomeIndicator.position", cascade="all, delete-orphan"
    )
    team: Mapped[list["TeamMember"]] = relationship(
        order_by="TeamMember.position", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="application", order_by="Attachment.id"
    )
    versions: Mapped[list["ApplicationVersion"]] = relationship(
        order_by="ApplicationVersion.number"
    )

    __table_args__ = (
        sa.UniqueConstraint("call_id", "reference"),
        sa.Index("ix_applications_call_status", "call_id", "status"),
        # an organisation's submitted applications in order: is this one its first? (stats)
        sa.Index(
            "ix_applications_organization_submitted",
            "organization_id",
            "id",
            postgresql_where=sa.text("reference IS NOT NULL"),
            sqlite_where=sa.text("reference IS NOT NULL"),
        ),
        sa.CheckConstraint(
            "(status = 'draft') = (reference IS NULL) OR (status = 'withdrawn')",
            name="reference_once_submitted",
        ),
        sa.CheckConstraint(
            "direct_beneficiaries IS NULL OR direct_beneficiaries >= 0", name="direct_nonnegative"
        ),
        sa.CheckConstraint(
            "indirect_beneficiaries IS NULL OR indirect_beneficiaries >= 0",
            name="indirect_nonnegative",
        ),
    )

    def total(self, source: "FundingSource | None" = None) -> int:
        return sum(line.amount for line in self.budget_lines if source in (None, line.source))

    @property
    def current_attachments(self) -> list["Attachment"]:
        return [a for a in self.attachments if a.removed_at is None]

    @property
    def requested_amount(self) -> int:
        return self.total(FundingSource.GRANT)

    @property
    def total_budget(self) -> int:
        return self.total()

    @property
    def matching_amount(self) -> int:
        """What the organisation brings: matching funds and in-kind contributions together."""
        return self.total_budget - self.requested_amount


class PlannedActivity(Base):
    __tablename__ = "planned_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(120))
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    sessions: Mapped[int]
    participants: Mapped[int]

    __table_args__ = (sa.CheckConstraint("sessions >= 1 AND participants >= 0", name="counts"),)


class OutcomeIndicator(Base):
    __tablename__ = "outcome_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(120))
    target: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(20))

    __table_args__ = (sa.CheckConstraint("target >= 0", name="target_nonnegative"),)


class TeamMember(Base):
    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(60))
    role: Mapped[str] = mapped_column(sa.String(60))
    qualification: Mapped[str] = mapped_column(sa.String(120), default="")


class BudgetLine(Base):
    """One line of the project budget; amounts in fen."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    category: Mapped[BudgetCategory] = mapped_column(enum_column(BudgetCategory, "budget_category"))
    item: Mapped[str] = mapped_column(sa.String(120))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int]
    source: Mapped[FundingSource] = mapped_column(enum_column(FundingSource, "funding_source"))

    __table_args__ = (
        sa.CheckConstraint("unit_price >= 0 AND quantity >= 1", name="price_and_quantity"),
    )

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity


class Attachment(Base):
    """An uploaded file, stored outside the web root and served only to those allowed."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, "attachment_kind"))
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    file_type: Mapped[str] = mapped_column(sa.String(16))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="attachments")


class ApplicationVersion(AppendOnly, Base):
    """The immutable snapshot of one submission; resubmissions add versions."""

    __tablename__ = "application_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"))
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)


_S = ApplicationStatus
# The application state machine: every allowed move, in one table; each is audited as
# ``application.<new state>``.
_MOVES = {
    (_S.DRAFT, _S.SUBMITTED),
    (_S.RETURNED, _S.SUBMITTED),
    (_S.SUBMITTED, _S.ELIGIBLE),
    (_S.SUBMITTED, _S.RETURNED),
    (_S.SUBMITTED, _S.INELIGIBLE),
    (_S.ELIGIBLE, _S.IN_REVIEW),  # the first reviewer is assigned
    # decisions: recommended or not, changeable until the notice is published
    *((before, _S.RECOMMENDED) for before in (_S.ELIGIBLE, _S.IN_REVIEW, _S.NOT_RECOMMENDED)),
    *((before, _S.NOT_RECOMMENDED) for before in (_S.ELIGIBLE, _S.IN_REVIEW, _S.RECOMMENDED)),
    (_S.RECOMMENDED, _S.APPROVED),  # the notice ended and the call was finalized
    (_S.RECOMMENDED, _S.REJECTED),  # an objection was upheld, or the call was finalized
    (_S.NOT_RECOMMENDED, _S.REJECTED),
    *(
        (before, _S.WITHDRAWN)
        for before in (_S.DRAFT, _S.SUBMITTED, _S.RETURNED, _S.ELIGIBLE, _S.IN_REVIEW)
    ),
}
APPLICATION = StateMachine(
    Application,
    moves={(before, to): f"application.{to.value}" for before, to in _MOVES},
    refusal=N_("An application that is %(current)s cannot become %(new)s."),
)


class ApplicationAnswer(Base):
    """The answer to one of the call's own questions, typed by the question's kind: text, a
    number, money in fen, a date, the chosen options, yes/no, or an uploaded file."""

    __tablename__ = "application_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("call_questions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(sa.Text)
    number: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    money: Mapped[int | None] = mapped_column(sa.BigInteger)
    day: Mapped[date | None]
    choices: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    yes: Mapped[bool | None]
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))

    question: Mapped[CallQuestion] = relationship()
    attachment: Mapped[Attachment | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("application_id", "question_id"),
        sa.CheckConstraint("money IS NULL OR money >= 0", name="money_nonnegative"),
    )


Application.answers = relationship(
    ApplicationAnswer, cascade="all, delete-orphan", order_by=ApplicationAnswer.question_id
)
