"""Query-string arguments the database can take: a control character in any argument is a 400,
and ``request.args.get(..., type=int)`` gives the default for a number beyond INTEGER, as for
one that does not parse (forms have the same checks in ``core.forms.BaseForm``); an ``<int:…>`` in
a path beyond INTEGER matches no route (404), where the database would fail on it."""

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from microventure.core.forms import CONTROL_CHARACTERS, INTEGER_MAX


class CheckedArgs(ImmutableMultiDict):
    def get(self, key, default=None, type=None):
        value = super().get(key, default=default, type=type)
        if type is int and isinstance(value, int) and not -INTEGER_MAX - 1 <= value <= INTEGER_MAX:
            return default  # an id or page no row can have: as if it were not given
        return value


class CheckedRequest(Request):
    parameter_storage_class = CheckedArgs


class IdConverter(IntegerConverter):
    """``<int:call_id>`` that no row's id can exceed."""

    def __init__(self, map, fixed_digits=0, min=None, max=INTEGER_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _refuse_control_characters() -> None:
    # Nobody types one into an address; PostgreSQL refuses NUL in text (a search) with a 500.
    if any(
        CONTROL_CHARACTERS.search(text) for pair in request.args.items(multi=True) for text in pair
    ):
        abort(400)


def init_app(app: Flask) -> None:
    app.request_class = CheckedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_control_characters)
