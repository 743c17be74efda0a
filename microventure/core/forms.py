"""Form helpers shared by features: the base every form inherits, and running a service."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import FieldList, Form, FormField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectFieldBase
from wtforms.widgets import CheckboxInput, ListWidget, html_params

from microventure.core.errors import DomainError, RuleViolations
from microventure.extensions import db

T = TypeVar("T")

# Control characters (Unicode category Cc) other than tab and line breaks: nobody types them,
# PostgreSQL refuses NUL in text, and Excel exports refuse the rest.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The columns behind the fields: ids and counts are INTEGER, money (fen) is BIGINT.
INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1

CONTROL_MESSAGE = _l(
    "This contained invisible control characters; they have been removed. Check it and send it again."
)
CHOICE_MESSAGE = _l("Choose one of the options offered.")
RANGE_MESSAGE = _l("Enter a number from %(min)s to %(max)s.")


def without_control_characters(value):
    """Filter on every field: what reaches a service never carries a control character, even
    from a view that does not validate."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def _offered_values(field) -> set | None:
    if not field.choices:
        return None  # a view that sets no choices leaves the value to its service
    offered = set()
    for choice in field.iter_choices():
        try:
            offered.add(field.coerce(choice[0]))
        except (TypeError, ValueError):
            continue
    return offered


def _choice_message(field, count: int):
    # A field may say which choices it offers (WTForms' invalid_choice_message); else ours.
    message = getattr(field, "invalid_choice_message", None)
    if callable(message):
        message = message(count)
    # text, not a lazy string: a lazy string renders as markup, unescaped
    return str(message or CHOICE_MESSAGE)


def _column_limit(field) -> int:
    return BIGINT_MAX if getattr(field, "bigint_column", False) else INTEGER_MAX


def _out_of_range(values: list, limit: int) -> bool:
    return any(
        isinstance(v, int) and not isinstance(v, bool) and not -limit - 1 <= v <= limit
        for v in values
    )


def acceptable_input(form, field) -> None:
    """Validator on every field: no control characters, integers that fit their column,
    and choices among those offered (also where the field leaves checking to the service)."""
    if field.errors:
        return  # the field's own check already refused it; one message is enough
    if any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in field.raw_data or ()):
        raise ValidationError(str(CONTROL_MESSAGE))
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    present = [v for v in values if v not in (None, "")]
    chooses = isinstance(field, SelectFieldBase)
    limit = _column_limit(field)
    if _out_of_range(present, limit):
        if chooses:  # an id no option has
            raise ValidationError(_choice_message(field, 1))
        raise ValidationError(str(RANGE_MESSAGE) % {"min": -limit - 1, "max": limit})
    offered = _offered_values(field) if chooses else None
    if offered is not None and any(v not in offered for v in present):
        raise ValidationError(_choice_message(field, sum(v not in offered for v in present)))


class _CheckedMeta:
    """Binds every field with the input checks above (cooperates with FlaskForm's Meta)."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if not isinstance(field, FieldList | FormField):  # their rows are checked forms
            field.filters = (*field.filters, without_control_characters)
            field.validators = [*field.validators, acceptable_input]
        if isinstance(field, SelectFieldBase) and not getattr(field, "invalid_choice_message", 1):
            field.invalid_choice_message = str(CHOICE_MESSAGE)  # WTForms' own is not translated
        return field

    def render_field(self, field, render_kw):
        """A field with errors says so to a screen reader and points at its messages, which
        ``field_errors`` (a template global) renders under the ids ``error_ids`` gives."""
        if field.errors:
            render_kw = dict(render_kw)
            described = render_kw.pop("aria_describedby", None) or render_kw.get("aria-describedby")
            render_kw["aria-invalid"] = "true"
            render_kw["aria-describedby"] = " ".join(filter(None, (described, *error_ids(field))))
        return super().render_field(field, render_kw)


def error_ids(field) -> list[str]:
    return [
        f"{field.id}-error" + (f"-{n}" if n > 1 else "") for n in range(1, len(field.errors) + 1)
    ]


def field_errors(field, classes: str = "") -> Markup:
    """The messages of ``field`` under its input, each with the id that the input's
    ``aria-describedby`` names (``_CheckedMeta.render_field``)."""
    css = "invalid-feedback" + (f" {classes}" if classes else "")
    return Markup("").join(
        Markup('<div id="%s" class="%s">%s</div>') % (id_, css, message)
        for id_, message in zip(error_ids(field), field.errors, strict=True)
    )


class BaseForm(FlaskForm):
    """The base of every form in the app: hostile text and numbers are refused next to their
    field with a message in the user's language, before any service or the database sees them."""

    class Meta(_CheckedMeta):
        pass


class BaseSubForm(Form):
    """The base of forms nested in another (repeatable rows, FormField): the same checks."""

    class Meta(_CheckedMeta):
        pass


class CheckboxOption(CheckboxInput):
    """One box of a checkbox list, styled as Bootstrap's unless the template gives a class."""

    def __call__(self, field, **kwargs):
        if "class_" not in kwargs and "class" not in kwargs:
            kwargs["class"] = "form-check-input"
        return super().__call__(field, **kwargs)


class CheckboxList(ListWidget):
    """The options as a list of checkboxes, each label after its box (a whole row to tap on a
    phone, where a ``<select multiple>`` needs Ctrl); options with an optgroup (a street's
    communities) are listed under the group's name. app.css styles ``.check-list``."""

    def __init__(self) -> None:
        super().__init__(html_tag="ul", prefix_label=False)

    def __call__(self, field, **kwargs):
        if not field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        groups = [name for name, choices in field.iter_groups() for _choice in choices]
        html, current = [f"<ul {html_params(**kwargs)}>"], object()
        for group, option in zip(groups, field, strict=True):
            if group != current:
                if html[1:]:
                    html.append("</ul></li>")
                name = escape(group or "")
                html.append(
                    f'<li class="check-list-group"><span aria-hidden="true">{name}</span>'
                    f'<ul aria-label="{name}">'  # a named list: role=group would unmake its items
                )
                current = group
            html.append(f"<li>{option()} {option.label}</li>")
        html.append("</ul></li></ul>")
        return Markup("".join(html))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = CheckboxList()
    option_widget = CheckboxOption()


def show_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form.
    A field may be nested (``budget_lines-2-unit_price``)."""
    problems = exc.problems if isinstance(exc, RuleViolations) else [(exc.field, exc.message)]
    for name, message in problems:
        field = find_field(form, name) if name else None
        if field is not None:
            field.errors = [*field.errors, str(message)]
        else:
            flash(str(message), "danger")


def find_field(form, name: str):
    """The field a problem names: ``title``, or one in a row, ``budget_lines-2-unit_price``."""
    field = getattr(form, name, None)
    if field is not None or "-" not in name:
        return field
    head, _, rest = name.partition("-")
    container = getattr(form, head, None)
    if container is None:
        return None
    index, _, sub = rest.partition("-")
    entries = getattr(container, "entries", None)
    if entries is None or not index.isdigit() or int(index) >= len(entries):
        return None
    entry = entries[int(index)]
    return find_field(entry.form, sub) if sub and hasattr(entry, "form") else entry


@dataclass(frozen=True)
class Done(Generic[T]):
    """A service call that succeeded (and was committed), with what it returned."""

    value: T

    def __bool__(self) -> bool:
        return True


def attempt(operation: Callable[[], T]) -> Done[T] | DomainError:
    """Run a service call in a transaction of its own: commit when it succeeds and return
    ``Done(its result)``; roll back when it refuses and return the refusal."""
    try:
        value = operation()
    except DomainError as exc:
        db.session.rollback()
        return exc
    db.session.commit()
    return Done(value)


def perform(operation: Callable[[], T], *forms: Any) -> Done[T] | None:
    """Run a view's service call: commit when it succeeds and return ``Done(its result)``; when
    the service refuses, roll back, show why — next to the field of whichever of ``forms`` has
    it, or as a flash message — and return None."""
    outcome = attempt(operation)
    if isinstance(outcome, Done):
        return outcome
    if not forms:
        flash(str(outcome), "danger")
    else:
        show_domain_error(forms[0] if len(forms) == 1 else _Forms(*forms), outcome)
    return None


class _Forms:
    """Several forms seen as one by ``show_domain_error``: a refusal goes next to its field in
    whichever form has it."""

    def __init__(self, *forms: FlaskForm) -> None:
        self._forms = forms

    def __getattr__(self, name: str) -> Any:
        for form in self._forms:
            if name in form:
                return form[name]
        return None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def email_address(form, field) -> None:
    """A plain syntax check: intranet addresses such as ``name@office.local`` are allowed."""
    if field.data and (len(field.data) > 254 or not _EMAIL.match(field.data.strip())):
        raise ValidationError(_l("Enter an e-mail address such as name@example.com."))
