"""Signed, expiring links for password reset (single-use) and e-mail confirmation."""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from microventure.accounts.models import User
from microventure.extensions import db

RESET, CONFIRM = "password-reset", "email-confirm"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _fingerprint(user: User) -> str:
    # a reset token names the password it replaces, so it stops working once used
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer(RESET).dumps({"id": user.id, "pw": _fingerprint(user)})


def user_for_reset(token: str) -> User | None:
    try:
        data = _serializer(RESET).loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or not user.is_active or data.get("pw") != _fingerprint(user):
        return None
    return user


def confirm_token(user: User) -> str:
    return _serializer(CONFIRM).dumps({"id": user.id, "email": user.email})


def user_for_confirmation(token: str) -> User | None:
    try:
        data = _serializer(CONFIRM).loads(token, max_age=7 * 24 * 3600)
    except (BadSignature, SignatureExpired):
        return None
    return db.session.scalar(
        select(User).where(User.id == data.get("id"), User.email == data.get("email"))
    )
