"""A bearer token in an API request: who it authenticates, the rate limit's key, the audit's
"via token". The API package calls ``use_bearer`` first thing in each request; HTML pages never
do, so a token never opens a page (their user comes from the session cookie only)."""

import logging

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError

from microventure.accounts import api_tokens
from microventure.accounts.api_tokens import BearerRefused
from microventure.accounts.models import ApiToken, User
from microventure.core import audit
from microventure.extensions import db, login_manager

log = logging.getLogger(__name__)

_RESULT = "bearer_result"


def current_bearer() -> tuple[User, ApiToken] | BearerRefused:
    """The request's ``Authorization`` header checked once (the rate limiter asks before the
    view does): the user and token, or why not (``missing`` without a header)."""
    if _RESULT not in g:
        try:
            result = api_tokens.authenticate_bearer(request.headers.get("Authorization"))
        except BearerRefused as exc:
            result = exc
        setattr(g, _RESULT, result)
    return g.get(_RESULT)


def bearer_token() -> ApiToken | None:
    result = current_bearer()
    return None if isinstance(result, BearerRefused) else result[1]


def use_bearer() -> tuple[User, ApiToken] | BearerRefused:
    """Make the token's user the request's user (never the session cookie's: an API request is
    the token's or nobody's, so a cookie cannot write without CSRF protection), name the token
    on every audit event of the request and note its use. Returns what ``current_bearer`` does;
    the API decides what a refusal means for the operation asked."""
    result = current_bearer()
    if isinstance(result, BearerRefused):
        g._login_user = login_manager.anonymous_user()  # Flask-Login's slot for the user
        return result
    user, token = result
    g._login_user = user
    audit.via_token(token.id)
    if api_tokens.touch(token):
        try:
            db.session.commit()  # alone: a busy token's row is not held for the whole request
        except OperationalError:  # SQLite busy: the next request notes it
            db.session.rollback()
            log.info("api token %s: last use not noted (database busy)", token.id)
    return result


def rate_limit_key() -> str:
    """Flask-Limiter's key for API requests: the token, whatever address it comes from; without
    a valid token the client address (so guessing tokens is limited per address)."""
    token = bearer_token()
    return f"api-token:{token.id}" if token is not None else f"api-addr:{get_remote_address()}"


def rate_limit() -> str:
    """API_RATELIMIT for a valid token, API_RATELIMIT_ANONYMOUS per address otherwise."""
    name = "API_RATELIMIT" if bearer_token() is not None else "API_RATELIMIT_ANONYMOUS"
    return current_app.config[name]
