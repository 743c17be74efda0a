"""State machines: an enum, a table of allowed moves with their audit actions, and one ``move``.

Every state change in the app goes through ``StateMachine.move``: it checks the table, claims
the row with one conditional ``UPDATE … WHERE id = :id AND <state> = :from`` (safe on
PostgreSQL whatever loader options the object carries; of two requests moving the same row at
once the second waits for the first, then finds the row moved and is refused), sets the columns
that change with the state in the same statement (CHECK constraints tie them together), writes
the audit event and returns its action. ``allowed`` lists the moves open now; the policy asks
``may`` so that pages only offer what the service would do.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.extensions import db

E = TypeVar("E", bound=enum.Enum)

MACHINES: list["StateMachine"] = []


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; ``_l`` fills it in when used."""
    return message


def _itself(obj: Any) -> Any:
    return obj


def _nothing(obj: Any) -> dict:
    return {}


@dataclass(eq=False)
class StateMachine(Generic[E]):
    """``moves`` maps (from, to) to the audit action; ``refusal`` is the message for a move the
    table does not allow, ``stale`` the one for a row someone else moved first (both may name
    ``%(current)s`` or ``%(status)s``, the state it is in, and ``%(new)s``). The audit event goes on ``audited_on(obj)``
    (a tranche's project, say) with ``describe(obj)`` naming the object in it. ``on_move(obj,
    before, to)``, if given, is what else changes with the state: called once the row is
    claimed, in the same transaction (the activity records keep their monthly summary so)."""

    model: type
    moves: dict[tuple[E, E], str]
    refusal: str
    stale: str = N_("Someone else has just changed this; it is %(status)s now. Reload the page.")
    column: str = "status"
    audited_on: Callable[[Any], Any] = _itself
    describe: Callable[[Any], dict] = _nothing
    on_move: Callable[[Any, Any, Any], None] | None = None
    states: type[E] = field(init=False)

    def __post_init__(self) -> None:
        self.states = type(next(iter(self.moves))[0])
        MACHINES.append(self)

    def state(self, obj: Any) -> E:
        return getattr(obj, self.column)

    def allowed(self, obj: Any) -> list[E]:
        """The states ``obj`` may move to now, in the order of the table."""
        current = self.state(obj)
        return [to for (frm, to) in self.moves if frm is current]

    def may(self, obj: Any, to: E) -> bool:
        return (self.state(obj), to) in self.moves

    def check(self, obj: Any, to: E) -> None:
        current = self.state(obj)
        if (current, to) not in self.moves:
            raise DomainError(
                _l(self.refusal, current=current.title, new=to.title, status=current.title)
            )

    def claim(self, obj: Any, to: E, *, values: dict | None = None, stale: str = "") -> E:
        """Check the move and claim the row: one conditional UPDATE sets the state and
        ``values`` together. Returns the state it left (``move`` also audits). ``stale``: the
        refusal when someone else moved the row first, if not the machine's."""
        before = self.state(obj)
        self.check(obj, to)
        values = {self.column: to, **(values or {})}
        key = self.model.__mapper__.primary_key[0]
        claimed = db.session.execute(
            update(self.model)
            .where(key == obj.id, getattr(self.model, self.column) == before)
            .values(values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.refresh(obj)
            now = self.state(obj).title
            raise DomainError(_l(stale or self.stale, current=now, new=to.title, status=now))
        for name, value in values.items():
            set_committed_value(obj, name, value)
        if self.on_move is not None:
            self.on_move(obj, before, to)
        return before

    def move(
        self,
        obj: Any,
        to: E,
        *,
        actor: Any,
        note: str | None = None,
        values: dict | None = None,
        **after,
    ) -> str:
        """Move ``obj`` to ``to``, setting ``values`` (other columns) in the same statement;
        ``after`` adds to the audit event. Returns the audit action."""
        before = self.claim(obj, to, values=values)
        action = self.moves[(before, to)]
        named = self.describe(obj)
        audit.record(
            action=action,
            obj=self.audited_on(obj),
            actor=actor,
            before={**named, self.column: before},
            after={**named, self.column: to, **after},
            note=note or None,
        )
        return action
