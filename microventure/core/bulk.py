"""Acting on many at once (verification, screening, acceptance, payments, declarations): each
item goes through the same policy rule and the same service as one item does, in a transaction
of its own, so one refusal undoes nothing else; what was done is counted and what was refused is
named with the service's reason. A second submission of the same list does nothing twice: the
state machines refuse a move already made."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import Optional

from microventure.core.errors import DomainError
from microventure.core.forms import BaseForm, Done, attempt

Item = TypeVar("Item")
T = TypeVar("T")

# Flashed messages travel in the session cookie, which browsers cap at 4 KB: the refusals of one
# request name items up to this many characters in all, then say how many more.
NAMED_CHARACTERS = 500
MATCHING = "matching"  # the value of the button "all that match the filter"
NOT_ALLOWED = _l("You may not do this here.")


@dataclass(frozen=True)
class Refusal:
    """One item not done: its name, the service's (or the policy's) reason, and the form field
    the reason concerns, if any."""

    name: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Many(Generic[T]):
    """What ``perform_each`` did: the services' results for the items done, and the refusals."""

    done: list[T]
    refused: list[Refusal]

    def by_reason(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for refusal in self.refused:
            grouped.setdefault(refusal.message, []).append(refusal.name)
        return grouped

    def problem_with_the_form(self) -> DomainError | None:
        """When nothing was done and every item was refused for the one reason that concerns a
        field of the form (a reason left empty, a date in the future): that problem, to show
        once next to the field rather than once per item."""
        if self.done or not self.refused:
            return None
        first = self.refused[0]
        if first.field is None or any(
            (r.field, r.message) != (first.field, first.message) for r in self.refused
        ):
            return None
        return DomainError(first.message, field=first.field)


def perform_each(
    items: Iterable[Item],
    operation: Callable[[Item], T],
    *,
    name: Callable[[Item], str],
    allowed: Callable[[Item], bool] | None = None,
) -> Many[T]:
    """Run ``operation`` (the one-item service call) on each item the policy ``allowed``, each
    committed on its own or rolled back on its own (``core.forms.attempt``, as ``perform``)."""
    items = list(items)
    # named and checked before any rollback expires what the route's query loaded
    names = [name(item) for item in items]
    permitted = [allowed is None or allowed(item) for item in items]
    done: list[T] = []
    refused: list[Refusal] = []
    for item, label, ok in zip(items, names, permitted, strict=True):
        if not ok:
            refused.append(Refusal(label, str(NOT_ALLOWED)))
            continue
        outcome = attempt(lambda item=item: operation(item))
        if isinstance(outcome, Done):
            done.append(outcome.value)
        else:
            refused.append(Refusal(label, str(outcome), outcome.field))
    return Many(done, refused)


def named(names: list[str], budget: int) -> tuple[str, int]:
    """``names`` as a list in the reader's language, cut once ``budget`` characters are used
    (the first name always shown), and the characters used."""
    shown: list[str] = []
    for name in names:
        if shown and len(name) > budget:
            break
        shown.append(name)
        budget -= len(name)
    text = _(", ").join(shown)
    if len(shown) < len(names):
        text += _(" and %(count)s more", count=len(names) - len(shown))
    return text, sum(len(name) for name in shown)


def flash_many(many: Many, done_message: str) -> None:
    """Flash how many were done (``done_message``), then each reason with the items it refused."""
    flash(done_message, "warning" if many.refused else "success")
    budget = NAMED_CHARACTERS
    for reason, names in many.by_reason().items():
        text, used = named(names, budget)
        budget = max(budget - used, 0)
        flash(
            _(
                "Not done (%(count)s): %(names)s. %(reason)s",
                count=len(names),
                names=text,
                reason=reason,
            ),
            "warning",
        )


class BulkForm(BaseForm):
    """The ticked rows (``ids``), or — when the button named ``scope`` says ``matching`` —
    every row matching the list's filter, of which the page showed ``matching``."""

    ids = SelectMultipleField(coerce=int, validate_choice=False)
    scope = StringField()
    matching = IntegerField(validators=[Optional()])

    @property
    def all_matching(self) -> bool:
        return self.scope.data == MATCHING


def chosen_ids(form: BulkForm, matching_ids: Callable[[], list[int]]) -> list[int] | None:
    """The ids the user chose: those ticked, or every one matching the filter. None (with the
    reason flashed) when the filter now matches another number than the page showed: a new
    submission has arrived, or someone else has acted on some."""
    if not form.all_matching:
        return list(form.ids.data or [])
    ids = matching_ids()
    if len(ids) != form.matching.data:
        flash(
            _(
                "The list has changed since you saw it: %(now)s match the filter now, not "
                "%(shown)s. Look at them again.",
                now=len(ids),
                shown=form.matching.data or 0,
            ),
            "danger",
        )
        return None
    return ids
