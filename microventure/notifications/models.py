"""The outbox: one row per message to one person, written in the event's own transaction."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microventure.accounts.models import User
from microventure.core.dbtime import db_now
from microventure.core.models import Base, LabelledEnum, enum_column, labels, utcnow


class Delivery(LabelledEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


labels(
    Delivery,
    {
        Delivery.PENDING: _l("Waiting to be sent"),
        Delivery.SENDING: _l("Sending"),
        Delivery.SENT: _l("Sent"),
        Delivery.FAILED: _l("Failed"),
        Delivery.SKIPPED: _l("Not e-mailed (preference)"),
    },
)


class Notification(Base):
    """A message to one person: always in their inbox, e-mailed unless they opted out."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(48))
    dedup_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email: Mapped[Delivery] = mapped_column(
        enum_column(Delivery, "delivery"), default=Delivery.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # the database's clock: the web host writes it, a worker on another host compares it
    next_attempt_at: Mapped[datetime] = mapped_column(default=db_now())
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    recipient: Mapped[User] = relationship()

    __table_args__ = (
        sa.Index("ix_notifications_inbox", "recipient_id", "read_at", "id"),
        sa.Index("ix_notifications_due", "email", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    )


class EmailPreference(Base):
    """A kind of notification a user does not want by e-mail (the inbox still has it)."""

    __tablename__ = "email_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(48))

    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)
