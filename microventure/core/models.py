"""Declarative base, shared column types and the append-only audit event table."""

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_TOLD_AT: ContextVar[datetime | None] = ContextVar("told_at", default=None)


def utcnow() -> datetime:
    """Now, in UTC; inside ``told_at`` the moment a story is told at."""
    return _TOLD_AT.get() or datetime.now(UTC)


@contextmanager
def told_at(moment: datetime) -> Iterator[None]:
    """Run the block as if it were ``moment`` (aware, not in the future): every ``utcnow()`` in
    it — audit events, timestamps written by default, the services' own checks of what may
    happen when — reads that moment, so a story that happened months ago (the demo's first
    round) is recorded on its own days. For loading data, never for a request."""
    if moment.tzinfo is None or moment > datetime.now(UTC):
        raise ValueError("tell a story at an aware moment that has already come")
    token = _TOLD_AT.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _TOLD_AT.reset(token)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable title (set by ``labels``)."""

    @property
    def title(self) -> str:
        return str(self.__class__._labels()[self])

    @property
    def label(self):
        """The lazy title: renders in whatever language is active when it is turned into text
        (e.g. a notification rendered in its recipient's language)."""
        return self.__class__._labels()[self]

    @classmethod
    def _labels(cls) -> dict:
        return cls.__dict__.get("_labels_cache") or {}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.title) for m in cls]

    def __getattr__(self, name: str) -> bool:
        """``status.is_returned``: whether this is the member ``returned``, so that templates
        name a state instead of comparing ``.value`` with a string. A rule over several states
        (``is_closed``, ``is_overdue``) is a property or method of its enum, defined once."""
        member = type(self)._value2member_map_.get(name[3:]) if name.startswith("is_") else None
        if member is None:
            raise AttributeError(name)
        return self is member


def labels(enum_cls: type[LabelledEnum], mapping: dict) -> None:
    """Attach translatable titles to an enum's members (lazy_gettext strings)."""
    missing = set(enum_cls) - set(mapping)
    if missing:
        raise ValueError(f"{enum_cls.__name__} lacks titles for {missing}")
    type.__setattr__(enum_cls, "_labels_cache", mapping)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """Store an enum as its string value with a CHECK constraint (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: sa.JSON()},
    )


class AppendOnly:
    """Rows of these tables are written once: the ORM refuses to update or delete them."""


# Events that cannot change the results figures: accounts' own (log-ins, profiles, passwords,
# roles: the figures read no user) and people checking in at an activity (counted in the
# figures only when its record is accepted, an event of its own).
FIGURES_EVENTS = "action NOT LIKE 'user.%' AND action NOT LIKE 'attendance.checked_%'"


class AuditEvent(AppendOnly, Base):
    """One append-only record of a change: who, what, before/after, when, from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # the personal access token (api_tokens.id) the change was made through, for a change made
    # through the API; a plain id like object_id (an audit row outlives what it names)
    api_token_id: Mapped[int | None]

    actor = relationship("User", lazy="raise")

    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id", "id"),
        # the newest event that may change the results figures (stats/cache.py): one lookup
        sa.Index(
            "ix_audit_events_figures",
            "id",
            postgresql_where=sa.text(FIGURES_EVENTS),
            sqlite_where=sa.text(FIGURES_EVENTS),
        ),
    )
