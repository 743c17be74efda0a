"""Domain errors raised by services, and the error pages (HTML or JSON) in the user's language."""

import time

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

bp = Blueprint("errors", __name__)


class DomainError(Exception):
    """A rule was broken; ``message`` is translatable and says which one. ``field`` names the form
    field it concerns, when there is one, so the view can show it next to that field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class RuleViolations(DomainError):
    """Several rules broken at once, each with the field it concerns, so a form can show every
    problem next to its field in one go."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(str(message) for _field, message in problems))
        self.problems = problems


def collect(checks) -> None:
    """Run ``checks`` (callables raising DomainError) and raise all their problems together."""
    problems: list[tuple[str | None, str]] = []
    for check in checks:
        try:
            check()
        except RuleViolations as exc:
            problems.extend(exc.problems)
        except DomainError as exc:
            problems.append((exc.field, exc.message))
    if problems:
        raise RuleViolations(problems)


TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have permission to see this page or take this action."),
    404: _l("The page you asked for does not exist, or you cannot see it."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The upload is larger than the limit. Choose a smaller file and try again."),
    429: _l("You have tried too often in a short time. Wait a minute and try again."),
    500: _l("An unexpected error happened. It has been logged; please try again later."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(code: int) -> tuple[Response | str, int]:
    key = code if code in TITLES else (500 if code >= 500 else 400)
    title, explanation = str(TITLES[key]), str(EXPLANATIONS[key])
    if wants_json():
        request_id = g.get("request_id")  # ops/observe.py: quoted to staff, found in the logs
        return jsonify(error=code, title=title, message=explanation, request_id=request_id), code
    return render_template(
        "errors/error.html", code=code, title=title, explanation=explanation
    ), code


_CHUNK = 64 * 1024


def _drain_budget() -> int:
    return (request.max_content_length or 0) + current_app.config["REQUEST_DRAIN_MAX_BYTES"]


def _unread_body():
    """The part of the request body nobody has read, as a stream, or None when too much is left.
    Werkzeug refuses a Content-Length over the limit before reading a byte; a form over its own
    limits stops part-way, where ``request.stream`` still stands."""
    raw, length = request.environ["wsgi.input"], request.content_length
    if length is None:  # chunked: safe to read only where the server ends the stream
        return raw if "wsgi.input_terminated" in request.environ else None
    if length > _drain_budget():
        return None
    try:
        return request.stream
    except RequestEntityTooLarge:
        return LimitedStream(raw, length)


def drain_request_body() -> None:
    """Read and drop what is left of a refused request's body, when it is at most
    REQUEST_DRAIN_MAX_BYTES over the request's limit, for at most REQUEST_DRAIN_SECONDS.
    Neither gunicorn nor the dev server reads it: they close the connection with the upload
    half sent, the client's socket is reset, and the browser shows a connection error instead
    of our "file too large" page."""
    stream = _unread_body()
    if stream is None:
        return
    budget = _drain_budget()
    deadline = time.monotonic() + current_app.config["REQUEST_DRAIN_SECONDS"]
    try:
        while budget > 0 and time.monotonic() < deadline:
            chunk = stream.read(min(_CHUNK, budget))
            if not chunk:
                return
            budget -= len(chunk)
    except (OSError, ValueError, HTTPException):
        return  # the client went away or the stream refuses more: nothing left to save


@bp.app_errorhandler(HTTPException)
def handle_http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    if exc.code == 413:
        drain_request_body()
    return error_response(exc.code)


@bp.app_errorhandler(500)
def handle_server_error(exc: Exception):
    from microventure.extensions import db

    db.session.rollback()
    return error_response(500)
