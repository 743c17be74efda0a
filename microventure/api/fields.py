"""Fields every resource uses: local times with their offset, coded labels, enum choices."""

import numbers

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from microventure.core.models import LabelledEnum
from microventure.core.timeutil import to_local


class LocalDateTime(fields.DateTime):
    """An aware UTC time, written in Asia/Shanghai with its offset (``2026-12-07T09:00:00+08:00``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()


class Coded(Schema):
    """An enum member as its stable code and its title in the caller's language."""

    code = fields.String(required=True)
    label = fields.String(required=True)


def coded(member: LabelledEnum | str | None, enum: type[LabelledEnum]) -> dict | None:
    if member is None:
        return None
    member = enum(member)
    return {"code": member.value, "label": member.title}


def one_of(enum: type[LabelledEnum], **kwargs) -> fields.String:
    """A query parameter or field naming one member of ``enum`` by its code."""
    values = [m.value for m in enum]
    documented = [*values, None] if kwargs.get("allow_none") else values  # null is a value too
    return fields.String(validate=validate.OneOf(values), metadata={"enum": documented}, **kwargs)


class StreetSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "In Chinese (镇街)."})
    name_en = fields.String(required=True)


CONTROL_REFUSED = _l("This text contains invisible control characters: remove them.")


def _no_control_characters(value: str) -> None:
    from marshmallow import ValidationError

    from microventure.core.forms import CONTROL_CHARACTERS

    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(str(CONTROL_REFUSED))


def text(max_length: int, **kwargs) -> fields.String:
    """Text a person types: at most ``max_length`` characters and no control characters (the
    pages' forms refuse them too; PostgreSQL refuses NUL)."""
    return fields.String(
        validate=[validate.Length(max=max_length), _no_control_characters], **kwargs
    )


class WholeNumber(fields.Integer):
    """A JSON number without a fractional part — JSON Schema's ``integer``, where ``3.0`` is
    one as much as ``3`` — never a string or a boolean."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Number):
            raise self.make_error("invalid")
        if isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("invalid")
            value = int(value)
        return super()._validated(value)


def count(
    minimum: int = 0, maximum: int = 2**31 - 1, *, strict: bool = True, **kwargs
) -> fields.Integer:
    """A whole number within what its column holds (``strict``: a JSON number, not a string;
    a query string and a multipart form send only strings)."""
    kind = WholeNumber if strict else fields.Integer
    return kind(validate=validate.Range(min=minimum, max=maximum), **kwargs)
