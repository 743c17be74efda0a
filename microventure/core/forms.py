"""Form helpers shared by features."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError

from microventure.core.errors import DomainError, RuleViolations
from microventure.extensions import db

T = TypeVar("T")


def show_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form.
    A field may be nested (``budget_lines-2-unit_price``)."""
    problems = exc.problems if isinstance(exc, RuleViolations) else [(exc.field, exc.message)]
    for name, message in problems:
        field = _find_field(form, name) if name else None
        if field is not None:
            field.errors = [*field.errors, str(message)]
        else:
            flash(str(message), "danger")


def _find_field(form, name: str):
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
    return _find_field(entry.form, sub) if sub and hasattr(entry, "form") else entry


@dataclass(frozen=True)
class Done(Generic[T]):
    """A service call that succeeded (and was committed), with what it returned."""

    value: T

    def __bool__(self) -> bool:
        return True


def perform(operation: Callable[[], T], *forms: Any) -> Done[T] | None:
    """Run a view's service call: commit when it succeeds and return ``Done(its result)``; when
    the service refuses, roll back, show why — next to the field of whichever of ``forms`` has
    it, or as a flash message — and return None."""
    try:
        value = operation()
    except DomainError as exc:
        db.session.rollback()
        if not forms:
            flash(str(exc), "danger")
        else:
            show_domain_error(forms[0] if len(forms) == 1 else _Forms(*forms), exc)
        return None
    db.session.commit()
    return Done(value)


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
