"""Call tables: the call and its settings, rubric criteria and tranche plan."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import Street
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine
from microventure.funds.models import Fund


class Domain(LabelledEnum):
    PARTY_BUILDING = "party_building"
    GARBAGE_SORTING = "garbage_sorting"
    MENTAL_HEALTH = "mental_health"
    SMART_ELDERLY_CARE = "smart_elderly_care"
    FEATURED_COMMUNITY = "featured_community"
    EDUCATION_TRAINING = "education_training"


labels(
    Domain,
    {
        Domain.PARTY_BUILDING: _l("Party building"),
        Domain.GARBAGE_SORTING: _l("Garbage sorting"),
        Domain.MENTAL_HEALTH: _l("Mental health"),
        Domain.SMART_ELDERLY_CARE: _l("Smart elderly care"),
        Domain.FEATURED_COMMUNITY: _l("Featured community"),
        Domain.EDUCATION_TRAINING: _l("Education and training"),
    },
)


class BudgetCategory(LabelledEnum):
    PERSONNEL = "personnel"
    ACTIVITIES = "activities"
    MATERIALS = "materials"
    VENUE = "venue"
    PUBLICITY = "publicity"
    ADMINISTRATION = "administration"
    OTHER = "other"


labels(
    BudgetCategory,
    {
        BudgetCategory.PERSONNEL: _l("Personnel costs"),
        BudgetCategory.ACTIVITIES: _l("Activity costs"),
        BudgetCategory.MATERIALS: _l("Material costs"),
        BudgetCategory.VENUE: _l("Venue costs"),
        BudgetCategory.PUBLICITY: _l("Publicity costs"),
        BudgetCategory.ADMINISTRATION: _l("Administration costs"),
        BudgetCategory.OTHER: _l("Other costs"),
    },
)


class LineRule(LabelledEnum):
    """What the funding line does below an application that no longer fits in the budget."""

    STOP = "stop"  # every application below it stays unfunded
    FILL = "fill"  # go on down the ranking, funding each that still fits

    @property
    def explanation(self) -> str:
        return str(LINE_RULE_EXPLANATIONS[self])


labels(
    LineRule,
    {
        LineRule.STOP: _l("Stop at the first application that does not fit"),
        LineRule.FILL: _l("Go on down the ranking, funding each application that still fits"),
    },
)


LINE_RULE_EXPLANATIONS = {
    LineRule.STOP: _l(
        "This call's line stops at the first application that does not fit: those below it "
        "stay unfunded, even where they would fit in what is left."
    ),
    LineRule.FILL: _l(
        "Below an application that does not fit, this call's line goes on down the ranking and "
        "funds each application that still fits in what is left."
    ),
}


class Aggregation(LabelledEnum):
    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED_MEAN = "trimmed_mean"


labels(
    Aggregation,
    {
        Aggregation.MEAN: _l("Mean"),
        Aggregation.MEDIAN: _l("Median"),
        Aggregation.TRIMMED_MEAN: _l("Trimmed mean (drop highest and lowest from 5 reviews)"),
    },
)


class TrancheTrigger(LabelledEnum):
    ON_SIGNING = "on_signing"
    MIDTERM_ACCEPTED = "midterm_accepted"
    FINAL_ACCEPTED = "final_accepted"


labels(
    TrancheTrigger,
    {
        TrancheTrigger.ON_SIGNING: _l("On signing the agreement"),
        TrancheTrigger.MIDTERM_ACCEPTED: _l("After the mid-term report is accepted"),
        TrancheTrigger.FINAL_ACCEPTED: _l("After the final report is accepted"),
    },
)


class AttachmentKind(LabelledEnum):
    REGISTRATION_CERTIFICATE = "registration_certificate"
    PROJECT_PLAN = "project_plan"
    BUDGET_SHEET = "budget_sheet"
    CUSTODIAN_LETTER = "custodian_letter"
    OTHER = "other"


labels(
    AttachmentKind,
    {
        AttachmentKind.REGISTRATION_CERTIFICATE: _l("Registration certificate"),
        AttachmentKind.PROJECT_PLAN: _l("Project plan"),
        AttachmentKind.BUDGET_SHEET: _l("Budget sheet"),
        AttachmentKind.CUSTODIAN_LETTER: _l("Custodian's letter of consent"),
        AttachmentKind.OTHER: _l("Other"),
    },
)


class CallStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REVIEWING = "reviewing"
    NOTICE = "notice"
    FINALIZED = "finalized"
    ARCHIVED = "archived"


labels(
    CallStatus,
    {
        CallStatus.DRAFT: _l("Draft"),
        CallStatus.PUBLISHED: _l("Published"),
        CallStatus.REVIEWING: _l("Under review"),
        CallStatus.NOTICE: _l("Public notice"),
        CallStatus.FINALIZED: _l("Finalized"),
        CallStatus.ARCHIVED: _l("Archived"),
    },
)


class Call(Base):
    """A call for proposals drawing its budget from a fund. Whether a published call is open is
    derived from ``opens_at``/``closes_at`` (to the second), never stored."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[CallStatus] = mapped_column(
        enum_column(CallStatus, "call_status"), default=CallStatus.DRAFT, index=True
    )
    budget: Mapped[int] = mapped_column(sa.BigInteger)
    domains: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    eligible_kinds: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    min_rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    max_applications_per_org: Mapped[int] = mapped_column(default=1)
    grant_min: Mapped[int] = mapped_column(sa.BigInteger)
    grant_max: Mapped[int] = mapped_column(sa.BigInteger)
    max_grant_share: Mapped[int] = mapped_column(sa.SmallInteger, default=100)
    category_caps: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    required_attachments: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    reviewers_per_application: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    aggregation: Mapped[Aggregation] = mapped_column(
        enum_column(Aggregation, "aggregation"), default=Aggregation.MEAN
    )
    funding_line_rule: Mapped[LineRule] = mapped_column(
        enum_column(LineRule, "funding_line_rule"), default=LineRule.STOP
    )
    blind_review: Mapped[bool] = mapped_column(default=False)
    reviewers_see_others_after_submit: Mapped[bool] = mapped_column(default=False)
    disagreement_threshold: Mapped[int] = mapped_column(sa.SmallInteger, default=20)
    reviewer_names_in_notice: Mapped[bool] = mapped_column(default=False)
    notice_working_days: Mapped[int] = mapped_column(sa.SmallInteger, default=5)
    project_starts_on: Mapped[date]
    project_ends_on: Mapped[date]
    midterm_report_due_on: Mapped[date | None]
    final_report_due_on: Mapped[date]
    overspend_tolerance: Mapped[int] = mapped_column(sa.SmallInteger, default=10)
    # verified attendance: how far (%) a record's typed participants may exceed those checked in
    # before the record is flagged, and whether check-ins keep the name typed
    attendance_tolerance: Mapped[int] = mapped_column(
        sa.SmallInteger, default=20, server_default="20"
    )
    attendance_keeps_names: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    reference_counter: Mapped[int] = mapped_column(default=0)
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    fund: Mapped[Fund] = relationship()
    street: Mapped[Street | None] = relationship()
    copied_from: Mapped["Call | None"] = relationship(remote_side=[id])
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="call", order_by="RubricCriterion.position", cascade="all, delete-orphan"
    )
    tranches: Mapped[list["TranchePlanItem"]] = relationship(
        back_populates="call", order_by="TranchePlanItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("budget > 0", name="budget_positive"),
        sa.CheckConstraint("grant_min > 0 AND grant_min <= grant_max", name="grant_range"),
        sa.CheckConstraint("grant_max <= budget", name="grant_max_within_budget"),
        sa.CheckConstraint("max_grant_share BETWEEN 1 AND 100", name="grant_share_percent"),
        sa.CheckConstraint("min_rating IS NULL OR min_rating BETWEEN 1 AND 5", name="min_rating"),
        sa.CheckConstraint("max_applications_per_org >= 1", name="application_limit"),
        sa.CheckConstraint("reviewers_per_application >= 1", name="reviewers_positive"),
        sa.CheckConstraint("notice_working_days >= 1", name="notice_days_positive"),
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
        sa.CheckConstraint("project_starts_on < project_ends_on", name="project_period"),
        sa.CheckConstraint("reference_counter >= 0", name="reference_counter"),
    )

    @property
    def min_matching_share(self) -> int:
        """Percent of the total project budget the organisation must bring itself."""
        return 100 - self.max_grant_share

    @hybrid_method
    def is_open(self, at: datetime) -> bool:
        """Taking applications at ``at`` (a bool for a call, a condition in SQL)."""
        return (
            (self.status == CallStatus.PUBLISHED) & (self.opens_at <= at) & (self.closes_at >= at)
        )

    @hybrid_method
    def is_upcoming(self, at: datetime) -> bool:
        """Published but not open yet (one body: a bool for a call, a condition in SQL)."""
        return (self.status == CallStatus.PUBLISHED) & (self.opens_at > at)


class RubricCriterion(Base):
    """One line of the scoring rubric (评分标准); a call's max points sum to 100."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    max_points: Mapped[int] = mapped_column(sa.SmallInteger)

    call: Mapped[Call] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("call_id", "position"),
        sa.CheckConstraint("max_points > 0", name="max_points_positive"),
    )


class TranchePlanItem(Base):
    """One tranche of the call's payment plan; the percentages sum to 100."""

    __tablename__ = "tranche_plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    percent: Mapped[int] = mapped_column(sa.SmallInteger)
    trigger: Mapped[TrancheTrigger] = mapped_column(enum_column(TrancheTrigger, "tranche_trigger"))

    call: Mapped[Call] = relationship(back_populates="tranches")

    __table_args__ = (
        sa.UniqueConstraint("call_id", "position"),
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name="percent_range"),
    )


# The call's state machine (draft → published → reviewing → notice → finalized).
_C = CallStatus
CALL = StateMachine(
    Call,
    moves={
        (_C.DRAFT, _C.PUBLISHED): "call.published",
        (_C.PUBLISHED, _C.REVIEWING): "call.reviewing",  # the first decision is recorded
        (_C.PUBLISHED, _C.NOTICE): "call.notice_published",
        (_C.REVIEWING, _C.NOTICE): "call.notice_published",
        (_C.NOTICE, _C.FINALIZED): "call.finalized",
    },
    refusal=N_("A call that is %(current)s cannot become %(new)s."),
)


# ------------------------------------------------------------------------- per-call questions


class QuestionKind(LabelledEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    FILE = "file"

    @property
    def has_choices(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


labels(
    QuestionKind,
    {
        QuestionKind.SHORT_TEXT: _l("Short text"),
        QuestionKind.LONG_TEXT: _l("Long text"),
        QuestionKind.NUMBER: _l("Number"),
        QuestionKind.MONEY: _l("Amount of money"),
        QuestionKind.DATE: _l("Date"),
        QuestionKind.SINGLE_CHOICE: _l("One choice"),
        QuestionKind.MULTIPLE_CHOICE: _l("Several choices"),
        QuestionKind.YES_NO: _l("Yes or no"),
        QuestionKind.FILE: _l("File upload"),
    },
)


class FormSection(LabelledEnum):
    """The part of the application form a question appears in."""

    BASICS = "basics"
    PROJECT = "project"
    RISKS = "risks"
    TEAM = "team"
    BUDGET = "budget"
    ATTACHMENTS = "attachments"


labels(
    FormSection,
    {
        FormSection.BASICS: _l("Basics"),
        FormSection.PROJECT: _l("The project"),
        FormSection.RISKS: _l("Risks and sustainability"),
        FormSection.TEAM: _l("Project team"),
        FormSection.BUDGET: _l("Budget"),
        FormSection.ATTACHMENTS: _l("Attachments"),
    },
)


class QuestionFields:
    """What a question is, shared by a call's question and a library template."""

    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    label_zh: Mapped[str] = mapped_column(sa.String(200))
    label_en: Mapped[str] = mapped_column(sa.String(200), default="")
    help: Mapped[str] = mapped_column(sa.Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    section: Mapped[FormSection] = mapped_column(
        enum_column(FormSection, "form_section"), default=FormSection.PROJECT
    )
    choices: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    unit: Mapped[str] = mapped_column(sa.String(20), default="")
    min_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    max_value: Mapped[int | None] = mapped_column(sa.BigInteger)
    identifying: Mapped[bool] = mapped_column(default=False)

    def label_in(self, locale: str) -> str:
        return self.label_en if locale.startswith("en") and self.label_en else self.label_zh


class CallQuestion(QuestionFields, Base):
    """A question a call asks beyond the fixed sections (自定义申报问题); ``identifying`` answers
    are hidden from reviewers in blind review. Numbers' bounds are whole numbers."""

    __tablename__ = "call_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_templates.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(back_populates="questions")

    __table_args__ = (
        sa.UniqueConstraint("call_id", "position"),
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value <= max_value",
            name="bounds_ordered",
        ),
    )


class QuestionTemplate(QuestionFields, Base):
    """A question in the district's library (问题库), which a call can start from."""

    __tablename__ = "question_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value <= max_value",
            name="bounds_ordered",
        ),
    )


Call.questions = relationship(
    CallQuestion,
    back_populates="call",
    order_by=CallQuestion.position,
    cascade="all, delete-orphan",
)
