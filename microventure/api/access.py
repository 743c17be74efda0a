"""The API's access checks: the same policy as the pages (core/policy.can), answered as problem
documents by core/errors."""

from flask import abort
from flask_login import current_user

from microventure.core.policy import can


def allowed_or_404(obj, action: str):
    """``obj`` when the caller may ``action`` it; 404 when it is missing or hidden from them (the
    pages' ``authorize(..., hide=True)``)."""
    if obj is None or not can(current_user, action, obj):
        abort(404)
    return obj
