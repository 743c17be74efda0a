"""Project tables: the project and its tranches, files, activity records and progress reports."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import Community, Organization
from microventure.applications.models import Application, BudgetLine, OutcomeIndicator
from microventure.calls.models import Call, Domain, TrancheTrigger
from microventure.core.models import AppendOnly, Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine
from microventure.extensions import db


class ProjectStatus(LabelledEnum):
    SIGNING = "signing"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"

    @property
    def is_closed(self) -> bool:
        """Completed or terminated (结项 / 终止): nothing more is due, paid or reported."""
        return self in CLOSED_PROJECT


labels(
    ProjectStatus,
    {
        ProjectStatus.SIGNING: _l("Awaiting agreement"),
        ProjectStatus.ACTIVE: _l("In progress"),
        ProjectStatus.SUSPENDED: _l("Suspended"),
        ProjectStatus.COMPLETED: _l("Completed"),
        ProjectStatus.TERMINATED: _l("Terminated"),
    },
)


class Project(Base):
    """An approved application being carried out under an agreement (协议)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    agreement_number: Mapped[str] = mapped_column(sa.String(48), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus, "project_status"), default=ProjectStatus.SIGNING, index=True
    )
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    signed_on: Mapped[date | None]
    agreement_file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("project_files.id", use_alter=True, name="fk_projects_agreement_file")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    call: Mapped[Call] = relationship()
    organization: Mapped[Organization] = relationship()
    tranches: Mapped[list["Tranche"]] = relationship(
        back_populates="project", order_by="Tranche.position"
    )
    agreement_file: Mapped["ProjectFile | None"] = relationship(foreign_keys=[agreement_file_id])

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("starts_on < ends_on", name="period"),
        sa.CheckConstraint(
            "signed_on IS NOT NULL OR status IN ('signing', 'terminated')",
            name="signed_once_started",
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name="completed_at_when_completed",
        ),
    )

    @property
    def street_id(self) -> int | None:
        """For the policy's street rule: the call's street."""
        return self.call.street_id


# The admin list's order (projects/queries.py LIST_ORDER): its pages are read off this index,
# the first as the fortieth, without sorting the projects in scope.
sa.Index("ix_projects_list_order", Project.call_id.desc(), Project.agreement_number, Project.id)


class TrancheStatus(LabelledEnum):
    PENDING = "pending"
    DUE = "due"
    PAID = "paid"
    WITHHELD = "withheld"
    RELEASED = "released"


labels(
    TrancheStatus,
    {
        TrancheStatus.PENDING: _l("Not yet due"),
        TrancheStatus.DUE: _l("Due"),
        TrancheStatus.PAID: _l("Paid"),
        TrancheStatus.WITHHELD: _l("Withheld"),
        TrancheStatus.RELEASED: _l("Released to the fund"),
    },
)


class Tranche(Base):
    """One payment (拨付) of a project's grant. The amounts of a project's tranches add up to its
    amount exactly. Withheld and released tranches return their money to the fund."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    percent: Mapped[int] = mapped_column(sa.SmallInteger)
    trigger: Mapped[TrancheTrigger] = mapped_column(enum_column(TrancheTrigger, "tranche_trigger"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[TrancheStatus] = mapped_column(
        enum_column(TrancheStatus, "tranche_status"), default=TrancheStatus.PENDING, index=True
    )
    due_since: Mapped[datetime | None]
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str | None] = mapped_column(sa.String(80))
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why withheld or released
    closed_at: Mapped[datetime | None]  # withheld or released

    project: Mapped[Project] = relationship(back_populates="tranches")

    __table_args__ = (
        sa.UniqueConstraint("project_id", "position"),
        sa.CheckConstraint("amount >= 0", name="amount_nonnegative"),
        sa.CheckConstraint(
            "(status = 'paid') = (paid_on IS NOT NULL AND payment_reference IS NOT NULL)",
            name="paid_with_date_and_reference",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'withheld', 'released') OR due_since IS NOT NULL",
            name="due_since_once_due",
        ),
        sa.CheckConstraint(
            "(status IN ('withheld', 'released')) = (closed_at IS NOT NULL)",
            name="closed_when_returned",
        ),
    )


class FilePurpose(LabelledEnum):
    AGREEMENT = "agreement"
    PHOTO = "photo"
    SIGN_IN_SHEET = "sign_in_sheet"
    RECEIPT = "receipt"


labels(
    FilePurpose,
    {
        FilePurpose.AGREEMENT: _l("Signed agreement"),
        FilePurpose.PHOTO: _l("Photo"),
        FilePurpose.SIGN_IN_SHEET: _l("Sign-in sheet"),
        FilePurpose.RECEIPT: _l("Receipt"),
    },
)


class ProjectFile(Base):
    """A file belonging to a project (agreement scan, activity photo, sign-in sheet, receipt),
    stored outside the web root and served only to those who may see the project."""

    __tablename__ = "project_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    purpose: Mapped[FilePurpose] = mapped_column(enum_column(FilePurpose, "file_purpose"))
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity_records.id"), index=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    storage_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(200))
    original_name: Mapped[str] = mapped_column(sa.String(200))
    file_type: Mapped[str] = mapped_column(sa.String(16))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]


class RecordStatus(LabelledEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"


labels(
    RecordStatus,
    {
        RecordStatus.SUBMITTED: _l("Awaiting review"),
        RecordStatus.ACCEPTED: _l("Accepted"),
        RecordStatus.RETURNED: _l("Returned for revision"),
    },
)


class ActivityRecord(Base):
    """An activity held (活动记录), entered by the organisation; editable until accepted."""

    __tablename__ = "activity_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(sa.String(200))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("communities.id"))
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, "domain"))
    participants: Mapped[int]  # 人次
    elderly: Mapped[int | None]
    children: Mapped[int | None]
    disabled: Mapped[int | None]
    others: Mapped[int | None]
    volunteers: Mapped[int] = mapped_column(default=0)
    volunteer_hours: Mapped[Decimal] = mapped_column(sa.Numeric(10, 1), default=Decimal(0))
    problems_solved: Mapped[int] = mapped_column(default=0)
    # participants checked in at the record's check-in sessions (attendance/), kept by them
    verified_participants: Mapped[int] = mapped_column(default=0, server_default="0")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    planned_activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("planned_activities.id"))
    sign_in_sheet_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("project_files.id", use_alter=True, name="fk_activity_sign_in_sheet")
    )
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus, "record_status"), default=RecordStatus.SUBMITTED
    )
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    project: Mapped[Project] = relationship()
    community: Mapped[Community | None] = relationship()
    photos: Mapped[list[ProjectFile]] = relationship(
        primaryjoin="and_(ProjectFile.activity_id == ActivityRecord.id, "
        "ProjectFile.purpose == 'photo', ProjectFile.removed_at.is_(None))",
        order_by="ProjectFile.position",
        viewonly=True,
    )
    sign_in_sheet: Mapped[ProjectFile | None] = relationship(foreign_keys=[sign_in_sheet_id])

    __table_args__ = (
        sa.Index("ix_activity_records_project_held", "project_id", "held_on"),
        # the records waiting for review, per project (the admins' home page, ?review=1)
        sa.Index(
            "ix_activity_records_waiting",
            "project_id",
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        ),
        sa.CheckConstraint(
            "participants >= 0 AND volunteers >= 0 AND volunteer_hours >= 0 "
            "AND problems_solved >= 0",
            name="counts_nonnegative",
        ),
        sa.CheckConstraint(
            "coalesce(elderly, 0) >= 0 AND coalesce(children, 0) >= 0 "
            "AND coalesce(disabled, 0) >= 0 AND coalesce(others, 0) >= 0",
            name="breakdown_nonnegative",
        ),
    )


class ActivitySummary(Base):
    """Accepted activity records added up per project, domain (the record's own) and month held
    (活动月度汇总): what the results figures read instead of the records themselves. Kept only
    by ``count_accepted``, in the transaction that makes a record accepted (or bulk-writes
    accepted ones); a month with no accepted activity has no row."""

    __tablename__ = "activity_month"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, "domain"), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM of held_on
    activities: Mapped[int]
    participants: Mapped[int] = mapped_column(sa.BigInteger)
    volunteers: Mapped[int] = mapped_column(sa.BigInteger)
    volunteer_hours: Mapped[Decimal] = mapped_column(sa.Numeric(14, 1))
    problems_solved: Mapped[int] = mapped_column(sa.BigInteger)
    verified_participants: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")

    __table_args__ = (
        sa.CheckConstraint(
            "activities >= 0 AND participants >= 0 AND volunteers >= 0 "
            "AND volunteer_hours >= 0 AND problems_solved >= 0",
            name="counts_nonnegative",
        ),
    )


SUMMED = (
    "participants",
    "volunteers",
    "volunteer_hours",
    "problems_solved",
    "verified_participants",
)


def month_held(column):
    """'YYYY-MM' of a date column, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def _per_month(records: sa.ColumnElement[bool]):
    a = ActivityRecord
    month = month_held(a.held_on)
    return (
        sa.select(
            a.project_id,
            a.domain,
            month.label("month"),
            sa.func.count().label("activities"),
            *(sa.func.sum(getattr(a, name)).label(name) for name in SUMMED),
        )
        .where(records)
        .group_by(a.project_id, a.domain, month)
    )


def count_accepted(records: sa.ColumnElement[bool], sign: int = 1) -> None:
    """Add the activity records that meet ``records`` into the summary (``sign`` 1), or take
    them out of it (-1), in one statement over their rows grouped by project, domain and month.
    Adding is an INSERT … SELECT … ON CONFLICT DO UPDATE of the deltas, so transactions counting
    into the same month at once all count (on PostgreSQL the second waits for the first's row,
    then adds to it); taking out is an UPDATE … FROM of the rows they were counted in, then
    months left empty are deleted. The figures are read from the records as they are in the
    database after the caller's change, not from objects loaded before it."""
    s, names = ActivitySummary, ("activities", *SUMMED)
    rows = _per_month(records)
    if sign < 0:
        taken = rows.subquery()
        keys = [getattr(s, k) == taken.c[k] for k in ("project_id", "domain", "month")]
        less = {name: getattr(s, name) - taken.c[name] for name in names}
        db.session.execute(sa.update(s).where(*keys).values(less))
        touched = sa.select(taken.c.project_id)
        db.session.execute(sa.delete(s).where(s.activities == 0, s.project_id.in_(touched)))
        return
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    stmt = insert(s).from_select(["project_id", "domain", "month", *names], rows)
    more = {name: getattr(s, name) + getattr(stmt.excluded, name) for name in names}
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["project_id", "domain", "month"], set_=more)
    )


class ReportKind(LabelledEnum):
    MIDTERM = "midterm"
    FINAL = "final"

    def due_in(self, call: Call) -> date | None:
        """The day the call has this report due (no mid-term date: the call has no mid-term)."""
        return (
            call.midterm_report_due_on if self is ReportKind.MIDTERM else call.final_report_due_on
        )


labels(
    ReportKind, {ReportKind.MIDTERM: _l("Mid-term report"), ReportKind.FINAL: _l("Final report")}
)


class ReportStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    FAILED = "failed"

    @property
    def is_open(self) -> bool:
        """A draft or returned report: the organisation's to write and submit (``OPEN_REPORT``)."""
        return self in OPEN_REPORT

    def is_overdue(self, due_on: date, today: date) -> bool:
        """Still open after its due date (``Report.is_overdue`` is the same rule, also in SQL)."""
        return self.is_open and due_on < today


labels(
    ReportStatus,
    {
        ReportStatus.DRAFT: _l("Draft"),
        ReportStatus.SUBMITTED: _l("Awaiting review"),
        ReportStatus.RETURNED: _l("Returned for revision"),
        ReportStatus.ACCEPTED: _l("Accepted"),
        ReportStatus.FAILED: _l("Evaluation failed"),
    },
)


class Report(Base):
    """A mid-term or final progress report (中期 / 结项报告); one of each kind per project."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "report_kind"))
    due_on: Mapped[date]
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus, "report_status"), default=ReportStatus.DRAFT
    )
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    self_assessment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
    actuals: Mapped[list["IndicatorActual"]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )
    expenditures: Mapped[list["Expenditure"]] = relationship(
        back_populates="report", order_by="Expenditure.spent_on"
    )
    versions: Mapped[list["ReportVersion"]] = relationship(order_by="ReportVersion.number")

    __table_args__ = (sa.UniqueConstraint("project_id", "kind"),)

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        return self.status.is_overdue(self.due_on, today)

    @is_overdue.expression
    def is_overdue(cls, today: date):
        return sa.and_(cls.status.in_(OPEN_REPORT), cls.due_on < today)


class IndicatorActual(Base):
    """A report's actual value for one of the application's outcome indicators."""

    __tablename__ = "indicator_actuals"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_indicators.id"))
    actual: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    report: Mapped[Report] = relationship(back_populates="actuals")
    indicator: Mapped[OutcomeIndicator] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("report_id", "indicator_id"),
        sa.CheckConstraint("actual >= 0", name="actual_nonnegative"),
    )


class Expenditure(Base):
    """Money spent against one of the application's budget lines, declared in a report."""

    __tablename__ = "expenditures"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(sa.ForeignKey("budget_lines.id"))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    spent_on: Mapped[date]
    payee: Mapped[str] = mapped_column(sa.String(120))
    receipt_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project_files.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(back_populates="expenditures")
    budget_line: Mapped[BudgetLine] = relationship()
    receipt: Mapped[ProjectFile | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class ReportVersion(AppendOnly, Base):
    """The immutable snapshot of one submission of a report; resubmissions add versions."""

    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id"))
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("report_id", "number"),)


# ---------------------------------------------------------------------------- state machines
_P, _T, _R, _A = ProjectStatus, TrancheStatus, ReportStatus, RecordStatus

CLOSED_PROJECT = (_P.COMPLETED, _P.TERMINATED)  # the machine's ends: no move leaves them
OPEN_REPORT = (_R.DRAFT, _R.RETURNED)  # the states a report is submitted from

PROJECT = StateMachine(
    Project,
    moves={
        (before, to): f"project.{to.value}"
        for before, to in (
            (_P.SIGNING, _P.ACTIVE),  # the agreement is signed
            (_P.ACTIVE, _P.SUSPENDED),
            (_P.SUSPENDED, _P.ACTIVE),
            (_P.ACTIVE, _P.COMPLETED),  # the final report is accepted
            (_P.SIGNING, _P.TERMINATED),
            (_P.ACTIVE, _P.TERMINATED),
            (_P.SUSPENDED, _P.TERMINATED),
        )
    },
    refusal=N_("A project that is %(current)s cannot become %(new)s."),
)
TRANCHE = StateMachine(
    Tranche,
    moves={
        (before, to): f"tranche.{to.value}"
        for before, to in (
            (_T.PENDING, _T.DUE),  # its trigger happened
            (_T.DUE, _T.PAID),
            (_T.PENDING, _T.WITHHELD),  # an evaluation failed
            (_T.DUE, _T.WITHHELD),
            (_T.PENDING, _T.RELEASED),  # the project was terminated
            (_T.DUE, _T.RELEASED),
        )
    },
    refusal=N_("A tranche that is %(current)s cannot become %(new)s."),
    stale=N_("A tranche that is %(current)s cannot become %(new)s."),  # as it is now
    audited_on=lambda tranche: tranche.project,
    describe=lambda tranche: {"tranche": tranche.position},
)
REPORT = StateMachine(
    Report,
    moves={
        (_R.DRAFT, _R.SUBMITTED): "report.submitted",
        (_R.RETURNED, _R.SUBMITTED): "report.submitted",  # revised after a return
        (_R.SUBMITTED, _R.ACCEPTED): "report.accepted",  # makes the next tranche due
        (_R.SUBMITTED, _R.RETURNED): "report.returned",
        (_R.SUBMITTED, _R.FAILED): "report.failed",  # the dependent tranche is withheld
    },
    refusal=N_("A report that is %(current)s cannot become %(new)s."),
    stale=N_("Someone else has just changed this report. Reload the page."),
    audited_on=lambda report: report.project,
    describe=lambda report: {"report": report.kind},
)


def _count_while_accepted(activity: ActivityRecord, before: RecordStatus, to: RecordStatus) -> None:
    """A record is in the summary exactly while it is accepted. An accepted record cannot be
    changed (no move leaves ACCEPTED, and an edit claims only an editable record), so entering
    and leaving the state are the only changes the summary has to follow."""
    sign = (to is _A.ACCEPTED) - (before is _A.ACCEPTED)
    if sign:
        count_accepted(ActivityRecord.id == activity.id, sign)


ACTIVITY = StateMachine(
    ActivityRecord,
    moves={
        (_A.SUBMITTED, _A.SUBMITTED): "activity.updated",  # changed while waiting for review
        (_A.RETURNED, _A.SUBMITTED): "activity.updated",  # revised after a return
        (_A.SUBMITTED, _A.ACCEPTED): "activity.accepted",
        (_A.SUBMITTED, _A.RETURNED): "activity.returned",
    },
    refusal=N_(
        "Only a record awaiting review can be accepted or returned; this one is %(status)s."
    ),
    stale=N_("Someone else has just reviewed or changed this record; it is %(status)s now."),
    audited_on=lambda activity: activity.project,
    describe=lambda activity: {"activity_id": activity.id},
    on_move=_count_while_accepted,
)
