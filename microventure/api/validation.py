"""Validation problems in the caller's language: marshmallow's messages (English, fixed) matched
and translated, and webargs' nested ``{location: {field: [messages]}}`` flattened to the problem
document's ``errors`` list."""

import re

from flask_babel import lazy_gettext as _l

EXACT = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field may not be empty (null)."),
    "Invalid value.": _l("This value is not valid."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Number too large.": _l("This number is too large."),
    "Not a valid number.": _l("Enter a number."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Enter true or false."),
    "Not a valid datetime.": _l("Enter a date and time (ISO 8601)."),
    "Not a valid date.": _l("Enter a date (YYYY-MM-DD)."),
    "Not a valid list.": _l("Enter a list."),
    "Not a valid mapping type.": _l("Enter an object."),
    "Invalid input type.": _l("This value has the wrong type."),
    "Unknown field.": _l("This field is not known."),
    "Not a valid email address.": _l("Enter a valid e-mail address."),
    "Not a valid URL.": _l("Enter a valid URL."),
    "Invalid JSON body.": _l("The request body is not valid JSON."),
}
PATTERNS = (
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        _l("Enter a value from %(min)s to %(max)s."),
        ("min", "max"),
    ),
    (
        re.compile(r"Must be greater than or equal to (\S+)\.$"),
        _l("Enter at least %(min)s."),
        ("min",),
    ),
    (re.compile(r"Must be less than or equal to (\S+)\.$"), _l("Enter at most %(max)s."), ("max",)),
    (re.compile(r"Must be one of: (.*)\.$"), _l("Choose one of: %(choices)s."), ("choices",)),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\.$"),
        _l("Enter from %(min)s to %(max)s characters."),
        ("min", "max"),
    ),
    (
        re.compile(r"Shorter than minimum length (\d+)\.$"),
        _l("Enter at least %(min)s characters."),
        ("min",),
    ),
    (
        re.compile(r"Longer than maximum length (\d+)\.$"),
        _l("Enter at most %(max)s characters."),
        ("max",),
    ),
)


def translated(message: str) -> str:
    message = str(message)
    if message in EXACT:
        return str(EXACT[message])
    for pattern, template, names in PATTERNS:
        found = pattern.match(message)
        if found:
            return str(template) % dict(zip(names, found.groups(), strict=True))
    return message  # ours: already translated where it was raised


def flatten(messages, prefix: str = "") -> list[dict]:
    """``{"json": {"budget": {"0": {"amount": ["…"]}}}}`` → ``[{"field": "budget.0.amount", …}]``
    (the location is left out: each field has one)."""
    problems: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = (
                ""
                if key in ("json", "query", "form", "files", "multipart", "_schema")
                else str(key)
            )
            problems.extend(
                flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name)
            )
    elif isinstance(messages, list | tuple):
        for message in messages:
            if isinstance(message, dict | list | tuple):
                problems.extend(flatten(message, prefix))
            else:
                problems.append({"field": prefix or None, "message": translated(message)})
    else:
        problems.append({"field": prefix or None, "message": translated(messages)})
    return problems
