"""Form helpers shared by features."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError

from microventure.core.errors import DomainError, RuleViolations
from microventure.extensions import db


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


def perform(operation: Callable[[], Any], form: FlaskForm | None = None) -> bool:
    """Run a view's service call: commit when it succeeds; when the service refuses, roll back
    and show why — next to the form's field, or as a flash message without a form."""
    try:
        operation()
    except DomainError as exc:
        db.session.rollback()
        if form is None:
            flash(str(exc), "danger")
        else:
            show_domain_error(form, exc)
        return False
    db.session.commit()
    return True


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
