"""Decision tables: one decision per application, the call's public notice and its objections."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import User
from microventure.applications.models import Application, ApplicationStatus
from microventure.calls.models import Call
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow
from microventure.core.states import N_, StateMachine


class Outcome(LabelledEnum):
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"


labels(
    Outcome,
    {
        Outcome.RECOMMENDED: _l("Recommended (拟资助)"),
        Outcome.NOT_RECOMMENDED: _l("Not recommended"),
    },
)


# The applications whose decision holds money against the call's budget (and the fund).
HOLDING = (ApplicationStatus.RECOMMENDED, ApplicationStatus.APPROVED)


class Decision(Base):
    """The admin's decision on one application. A recommendation holds the amount that counts
    against the call's budget while the application is recommended or approved."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "decision_outcome"))
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()
    decided_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(outcome = 'recommended') = (amount IS NOT NULL AND amount > 0)",
            name="amount_when_recommended",
        ),
    )


class Notice(Base):
    """The call's public notice (公示): open from ``starts_on`` to the end of ``ends_on`` (Asia/
    Shanghai), ``working_days`` working days by the official calendar. Closed is derived from
    time, never stored."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), unique=True)
    working_days: Mapped[int] = mapped_column(sa.SmallInteger)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    ends_at: Mapped[datetime]  # UTC instant the window closes (end of ends_on in Shanghai)
    show_reviewers: Mapped[bool] = mapped_column(default=False)
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_at: Mapped[datetime | None]

    call: Mapped[Call] = relationship()
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="notice", order_by="Objection.id"
    )

    __table_args__ = (sa.CheckConstraint("starts_on <= ends_on", name="window"),)

    def is_open(self, at: datetime) -> bool:
        return at < self.ends_at


class ObjectionStatus(LabelledEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


labels(
    ObjectionStatus,
    {
        ObjectionStatus.OPEN: _l("Awaiting resolution"),
        ObjectionStatus.DISMISSED: _l("Dismissed"),
        ObjectionStatus.UPHELD: _l("Upheld"),
    },
)


class Objection(Base):
    """An objection (异议) from the public during the notice; stored as sent, never deleted."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id"))
    name: Mapped[str] = mapped_column(sa.String(60))
    contact: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_column(ObjectionStatus, "objection_status"), default=ObjectionStatus.OPEN
    )
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship(back_populates="objections")
    application: Mapped[Application | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'open') = (resolved_at IS NULL AND resolved_by_id IS NULL)",
            name="resolved_once_closed",
        ),
    )


# An objection is resolved once: dismissed, or upheld.
_O = ObjectionStatus
OBJECTION = StateMachine(
    Objection,
    moves={
        (_O.OPEN, _O.DISMISSED): "objection.dismissed",
        (_O.OPEN, _O.UPHELD): "objection.upheld",
    },
    refusal=N_("An objection that is %(current)s cannot become %(new)s."),
    audited_on=lambda objection: objection.notice.call,
    describe=lambda objection: {
        "objection_id": objection.id,
        "application_id": objection.application_id,
    },
)
