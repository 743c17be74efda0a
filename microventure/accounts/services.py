"""State changes on users and their roles, and the validators forms share. Services validate, mutate, audit and flush;
the caller commits. Rules broken raise DomainError with a translatable message."""

import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from microventure.accounts.credit_code import is_well_formed, normalize
from microventure.accounts.models import (
    Organization,
    Role,
    RoleGrant,
    Street,
    User,
    new_session_token,
)
from microventure.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from microventure.core import audit, links
from microventure.core.errors import DomainError
from microventure.core.models import AuditEvent
from microventure.core.timeutil import utcnow
from microventure.extensions import db
from microventure.notifications.services import notify

MOBILE = re.compile(r"^1[3-9]\d{9}$")

# ---------------------------------------------------------------- validators (forms use them too)


def check_mobile(mobile: str, *, field: str = "mobile") -> str:
    mobile = mobile.strip()
    if not MOBILE.match(mobile):
        raise DomainError(
            _l("Enter an 11-digit mainland mobile number, e.g. 13800138000."), field=field
        )
    return mobile


def check_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _l("The password needs at least %(n)s characters.", n=MIN_LENGTH), field=field
        )


def check_email_free(email: str, *, field: str = "email") -> str:
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(_l("An account with this e-mail address already exists."), field=field)
    return email


def check_credit_code(code: str, *, organization_id: int | None = None) -> str:
    """Shape and uniqueness are hard rules; a failing check character is only a warning, shown
    to the applicant and to the admin who verifies (and may override it)."""
    code = normalize(code)
    if not is_well_formed(code):
        raise DomainError(
            _l(
                "A unified social credit code has 18 characters: digits and capital letters "
                "except I, O, S, V and Z."
            ),
            field="credit_code",
        )
    taken = db.session.scalar(
        select(Organization.id).where(
            Organization.credit_code == code, Organization.id != (organization_id or 0)
        )
    )
    if taken:
        raise DomainError(
            _l("An organisation with this credit code is already registered."), field="credit_code"
        )
    return code


def check_organization_name_free(name: str) -> str:
    name = name.strip()
    if db.session.scalar(select(Organization.id).where(Organization.name == name)):
        raise DomainError(_l("An organisation with this name is already registered."), field="name")
    return name


# ------------------------------------------------------------------------------ users and login


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    mobile: str | None = None,
    locale: str = "zh_CN",
    actor: User | None = None,
) -> User:
    email = check_email_free(email)
    check_password(password)
    if mobile:
        mobile = check_mobile(mobile)
    user = User(
        email=email,
        name=name.strip(),
        mobile=mobile or None,
        password_hash=hash_password(password),
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(action="user.created", obj=user, actor=actor, after={"email": email, "name": name})
    return user


class LoginPaused(DomainError):
    """Too many wrong passwords for one account, from whatever addresses: its log-ins wait."""


# what ends a run of failures: a log-in, or a new password chosen through the e-mailed link
_FRESH_START = ("user.logged_in", "user.password_reset")


def recent_login_failures(user: User) -> int:
    """Wrong passwords for ``user`` within the lock window and since its last log-in or reset."""
    window = timedelta(minutes=current_app.config["LOGIN_ACCOUNT_LOCK_MINUTES"])
    events = (AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == user.id)
    fresh_start = (
        select(func.max(AuditEvent.id))
        .where(*events, AuditEvent.action.in_(_FRESH_START))
        .scalar_subquery()
    )
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            *events,
            AuditEvent.action == "user.login_failed",
            AuditEvent.occurred_at >= utcnow() - window,
            AuditEvent.id > func.coalesce(fresh_start, 0),
        )
    )


def _paused() -> LoginPaused:
    return LoginPaused(
        _l(
            "Too many wrong passwords were tried for this account, so its log-ins are paused "
            "for a few minutes. Try again later, or reset the password by e-mail."
        ),
        field="password",
    )


def authenticate(*, email: str, password: str) -> User | None:
    """The user if the password matches and the account is active; every attempt on a known
    account is audited, successful or not. After LOGIN_ACCOUNT_MAX_FAILURES wrong passwords
    within LOGIN_ACCOUNT_LOCK_MINUTES (from any addresses: an address limit alone lets an
    attacker spread guesses) the account's log-ins pause, right password or not, until the
    failures age out of the window or the owner resets the password by e-mail; the owner is
    told once per pause. Raises LoginPaused (the caller commits the audit events all the same)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return None
    limit = current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    failures = recent_login_failures(user)
    if failures >= limit:
        # the password is not even checked: guesses made during the pause tell nothing
        audit.record(action="user.login_refused", obj=user, actor=user)
        raise _paused()
    if not verify_password(user.password_hash, password) or not user.is_active:
        audit.record(action="user.login_failed", obj=user, actor=user)
        if failures + 1 >= limit:
            _pause(user, failures + 1)
            raise _paused()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record(action="user.logged_in", obj=user, actor=user)
    return user


def _pause(user: User, failures: int) -> None:
    minutes = current_app.config["LOGIN_ACCOUNT_LOCK_MINUTES"]
    event_ = audit.record(
        action="user.login_paused",
        obj=user,
        actor=user,
        after={"failures": failures, "minutes": minutes},
    )
    notify(
        recipients=[user],
        kind="account.login_paused",
        link=links.path("auth.forgot_password"),
        key=str(event_.id),
        failures=failures,
        minutes=minutes,
    )


def update_profile(*, user: User, name: str, mobile: str | None, locale: str) -> None:
    before = {"name": user.name, "mobile": user.mobile, "locale": user.locale}
    user.name = name.strip()
    user.mobile = check_mobile(mobile) if mobile else None
    user.locale = locale
    after = {"name": user.name, "mobile": user.mobile, "locale": user.locale}
    if before != after:
        audit.record(action="user.profile_updated", obj=user, before=before, after=after)


def choose_elder_mode(*, user: User, on: bool) -> None:
    """长辈模式 remembered on the account (accounts/elder_mode.py)."""
    audit.record(
        action="user.elder_mode_chosen",
        obj=user,
        before={"elder_mode": user.elder_mode},
        after={"elder_mode": on},
    )
    user.elder_mode = on


def change_password(*, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    check_password(new, field="new_password")
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()  # signs out every other session
    audit.record(action="user.password_changed", obj=user)


def set_user_active(*, user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError(_l("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    user.session_token = new_session_token()
    audit.record(
        action="user.activated" if active else "user.deactivated",
        obj=user,
        actor=actor,
        before={"is_active": not active},
        after={"is_active": active},
    )


def grant_role(*, user: User, role: Role, street: Street | None, actor: User) -> RoleGrant:
    if role is Role.STREET_ADMIN and street is None:
        raise DomainError(_l("Choose the street this admin works for."), field="street_id")
    if any(g.role is role for g in user.roles):
        raise DomainError(_l("The user already has this role."), field="role")
    grant = RoleGrant(
        user=user,
        role=role,
        street_id=street.id if role is Role.STREET_ADMIN and street else None,
        granted_by_id=actor.id,
    )
    db.session.add(grant)
    db.session.flush()
    audit.record(
        action="user.role_granted",
        obj=user,
        actor=actor,
        after={"role": role, "street_id": grant.street_id},
    )
    return grant


def revoke_role(*, grant: RoleGrant, actor: User) -> None:
    if grant.role is Role.DISTRICT_ADMIN:
        others = db.session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.role == Role.DISTRICT_ADMIN, RoleGrant.id != grant.id)
        )
        if not others:
            raise DomainError(_l("The last district admin cannot lose the role."))
    user = grant.user
    audit.record(
        action="user.role_revoked",
        obj=user,
        actor=actor,
        before={"role": grant.role, "street_id": grant.street_id},
    )
    user.roles.remove(grant)
    db.session.flush()
