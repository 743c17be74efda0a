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
    401: _l("Authentication required"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    413: _l("File too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid data"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    401: _l("Send a valid access token: Authorization: Bearer <token>."),
    403: _l("You do not have permission to see this page or take this action."),
    404: _l("The page you asked for does not exist, or you cannot see it."),
    405: _l("This address does not accept that kind of request."),
    406: _l("This address can only answer in a format the request did not accept."),
    409: _l("The request conflicts with the current state of the object."),
    413: _l("The upload is larger than the limit. Choose a smaller file and try again."),
    415: _l("This address does not accept data in that format."),
    422: _l("Some of the data sent breaks a rule: see the list of problems."),
    429: _l("You have tried too often in a short time. Wait a minute and try again."),
    500: _l("An unexpected error happened. It has been logged; please try again later."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


API_PREFIX = "/api/"  # every error under it is a problem document, whatever the client accepts
PROBLEM_TYPE = "about:blank"  # RFC 9457 §4.2: the status code says it all; ``title`` is its name


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem_response(
    code: int,
    detail: str | None = None,
    *,
    errors: list[dict] | None = None,
    headers: dict | None = None,
    members: dict | None = None,
) -> Response:
    """An error as RFC 9457 problem details (``application/problem+json``), in the request's
    language: ``title`` names the status, ``detail`` says what happened this time, ``errors``
    lists each broken rule with the field it concerns (``field`` is null for the whole object),
    ``request_id`` is what staff find in the logs."""
    key = code if code in TITLES else (500 if code >= 500 else 400)
    body = {
        "type": PROBLEM_TYPE,
        "title": str(TITLES[key]),
        "status": code,
        "detail": str(detail if detail is not None else EXPLANATIONS[key]),
        "instance": request.path,
        "request_id": g.get("request_id"),
    }
    if errors is not None:
        body["errors"] = errors
    body.update(members or {})  # extension members (RFC 9457 §3.2), e.g. a token's ``reason``
    response = jsonify(body)
    response.status_code = code
    response.mimetype = "application/problem+json"
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(code: int) -> tuple[Response | str, int]:
    key = code if code in TITLES else (500 if code >= 500 else 400)
    title, explanation = str(TITLES[key]), str(EXPLANATIONS[key])
    if is_api_request():
        return problem_response(code), code
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
    if is_api_request():
        # keep what the exception says beyond its status (Allow on a 405, WWW-Authenticate)
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return problem_response(
            exc.code,
            getattr(exc, "problem_detail", None),
            headers=headers,
            members=getattr(exc, "problem_members", None),
        )
    return error_response(exc.code)


@bp.app_errorhandler(500)
def handle_server_error(exc: Exception):
    from microventure.extensions import db

    db.session.rollback()
    return error_response(500)
