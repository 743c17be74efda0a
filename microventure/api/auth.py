"""Who calls the API: the user of a personal access token sent as ``Authorization: Bearer``, or
nobody. The site's session cookie never authenticates an API request: the API takes no CSRF
token, so a cookie would let any other site write in a logged-in user's name.

An operation that needs a token says so with ``@token_required(bp, scope)``, placed right under
the route decorator (so a refused token is answered before the body is read): 401 when no valid
token was sent (the problem's ``reason`` says which: missing, malformed, unknown, revoked,
expired, account_inactive), 403 when a read token asks to write."""

import functools

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from microventure.accounts import bearer
from microventure.accounts.api_tokens import BearerRefused
from microventure.accounts.models import TokenScope

READ, WRITE = TokenScope.READ, TokenScope.WRITE


def pin_caller() -> None:
    """Set the request's user before anything reads ``current_user`` (flask-login keeps it in
    ``g._login_user`` and would otherwise load it from the session): the token's, or nobody.
    The token is named on every audit event the request records."""
    bearer.use_bearer()


def is_anonymous() -> bool:
    return not current_user.is_authenticated


class TokenRefused(HTTPException):
    """A 401 or 403 with its ``WWW-Authenticate`` challenge (RFC 6750) and a reason."""

    def __init__(self, code: int, detail, challenge: str, reason: str) -> None:
        self.code = code
        super().__init__(description=str(detail))
        self.problem_detail = detail
        self.problem_members = {"reason": reason}
        self.challenge = challenge

    def get_headers(self, environ=None, scope=None):
        return [("Content-Type", "text/html; charset=utf-8"), ("WWW-Authenticate", self.challenge)]


WRITE_NEEDED = _l("This token may only read. Create a token with read and write access.")


def require(scope: TokenScope) -> None:
    """Refuse the request unless a valid token with ``scope`` (write implies read) came."""
    result = bearer.current_bearer()
    if isinstance(result, BearerRefused):
        challenge = 'Bearer realm="api"'
        if result.reason != "missing":
            challenge += f', error="invalid_token", error_description="{result.reason}"'
        raise TokenRefused(401, result.message, challenge, result.reason)
    _user, token = result
    if not token.scope.allows(scope):
        raise TokenRefused(
            403,
            WRITE_NEEDED,
            f'Bearer realm="api", error="insufficient_scope", scope="{scope.value}"',
            "insufficient_scope",
        )


def token_required(bp, scope: TokenScope):
    """The operation needs a token with ``scope``; documented as such in the OpenAPI document."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            require(scope)
            return view(*args, **kwargs)

        checked = bp.doc(security=[{"bearer": []}])(checked)
        checked = bp.alt_response(401, response="UNAUTHORIZED")(checked)
        checked = bp.alt_response(403, response="FORBIDDEN")(checked)
        checked = bp.alt_response(429, response="TOO_MANY_REQUESTS")(checked)
        return checked

    return decorator
