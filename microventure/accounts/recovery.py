"""Password reset by e-mailed link, and e-mail address confirmation. Services flush; the caller
commits. Nothing here tells a stranger whether an address has an account."""

from flask import current_app
from sqlalchemy import select

from microventure.accounts import tokens
from microventure.accounts.models import User, new_session_token
from microventure.accounts.passwords import hash_password
from microventure.accounts.services import check_password
from microventure.core import audit, links
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import notify


def request_password_reset(*, email: str) -> None:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        return
    notify(
        recipients=[user],
        kind="account.password_reset",
        link=links.path("auth.reset_password", token=tokens.reset_token(user)),
        key=utcnow().isoformat(),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )
    audit.record(action="user.password_reset_requested", obj=user, actor=user)


def reset_password(*, user: User, new: str) -> None:
    check_password(new, field="password")
    user.password_hash = hash_password(new)  # this also spends the link
    user.session_token = new_session_token()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link came by e-mail: the address works
    audit.record(action="user.password_reset", obj=user, actor=user)


def send_confirmation(*, user: User) -> None:
    notify(
        recipients=[user],
        kind="account.confirm_email",
        link=links.path("auth.confirm_email", token=tokens.confirm_token(user)),
        key=utcnow().isoformat(),
    )


def confirm_email(*, user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(action="user.email_confirmed", obj=user, actor=user)
