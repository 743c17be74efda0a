"""Who calls the API: the user of a personal access token sent as ``Authorization: Bearer``, or
nobody. The site's session cookie never authenticates an API request: the API takes no CSRF
token, so a cookie would let any other site write in a logged-in user's name."""

from flask import g
from flask_login import current_user

from microventure.extensions import login_manager


def pin_caller() -> None:
    """Set the request's user before anything reads ``current_user`` (flask-login keeps it in
    ``g._login_user`` and would otherwise load it from the session)."""
    g._login_user = login_manager.anonymous_user()


def is_anonymous() -> bool:
    return not current_user.is_authenticated
