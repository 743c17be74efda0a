"""Personal access tokens (个人访问令牌) for the API: created and revoked by their user on the
profile page, checked on every API request by ``authenticate_bearer``. Services flush, the
caller commits."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from microventure.accounts.models import ApiToken, TokenScope, User
from microventure.core import audit
from microventure.core.errors import DomainError
from microventure.core.timeutil import utcnow
from microventure.extensions import db

# "mvt_" + 43 characters of base64url: 256 random bits. The marker lets secret scanners (and
# people) recognise a leaked token; the prefix kept in clear is the marker and 8 characters.
MARKER = "mvt_"
PREFIX_LENGTH = len(MARKER) + 8
SECRET_BYTES = 32
DAYS_CHOICES = (7, 30, 90, 180, 365)
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_UNREVOKED = 20  # per user: a list one can still read and revoke from
NAME_MAX = 60
# last_used_at is written at most once a minute per token, not on every request
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just created and its secret, which exists only here: shown once, never stored."""

    token: ApiToken
    secret: str


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too: the list shows what existed)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def _check_name(user: User, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name, e.g. the program that uses it."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("A name has at most %(n)s characters.", n=NAME_MAX), field="name")
    unrevoked = select(ApiToken.name).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
    )
    if db.session.scalar(unrevoked.where(ApiToken.name == name).limit(1)) is not None:
        raise DomainError(
            _l("You already have a token with this name. Choose another or revoke that one."),
            field="name",
        )
    count = db.session.scalar(select(func.count()).select_from(unrevoked.subquery()))
    if count >= MAX_UNREVOKED:
        raise DomainError(
            _l("You have %(n)s tokens that are not revoked. Revoke one first.", n=count)
        )
    return name


def create_token(*, user: User, name: str, scope: TokenScope, days: int) -> NewToken:
    """A new token for ``user``, valid for ``days`` (1 to MAX_DAYS); audited without its secret."""
    name = _check_name(user, name)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DomainError(
            _l("A token is valid for 1 to %(n)s days.", n=MAX_DAYS), field="expires_in_days"
        )
    scope = TokenScope(scope)
    secret = MARKER + secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        secret_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    # on the user's history (the admin's user page shows it), naming the token
    audit.record(
        action="api_token.created",
        obj=user,
        actor=user,
        after={
            "token_id": token.id,
            "name": name,
            "scope": scope,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )
    return NewToken(token=token, secret=secret)


def revoke_token(*, token: ApiToken, actor: User) -> None:
    """The token stops working at once; it stays listed as revoked."""
    if token.revoked_at is not None:
        raise DomainError(_l("This token is already revoked."))
    token.revoked_at = utcnow()
    audit.record(
        action="api_token.revoked",
        obj=token.user,
        actor=actor,
        before={"revoked_at": None},
        after={
            "token_id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "revoked_at": token.revoked_at,
        },
    )
    db.session.flush()


# ------------------------------------------------------------------------- on each API request


class BearerRefused(DomainError):
    """The request's bearer token does not authenticate anybody. ``reason`` says why, for the
    API's problem details and for the client to tell a revoked token from a typo: ``missing``,
    ``malformed``, ``unknown``, ``revoked``, ``expired`` or ``account_inactive``."""

    def __init__(self, reason: str, message) -> None:
        super().__init__(message)
        self.reason = reason


REFUSALS = {
    "missing": _l("Send a personal access token: Authorization: Bearer <token>."),
    "malformed": _l("The Authorization header must read: Bearer <token>."),
    "unknown": _l("This token is not known. Check that it was copied whole."),
    "revoked": _l("This token has been revoked. Create a new one on your profile page."),
    "expired": _l("This token has expired. Create a new one on your profile page."),
    "account_inactive": _l("The account of this token is deactivated."),
}


def _refused(reason: str) -> BearerRefused:
    return BearerRefused(reason, REFUSALS[reason])


def secret_of(header_value: str | None) -> str:
    """The token in an ``Authorization: Bearer <token>`` header's value."""
    if not header_value or not header_value.strip():
        raise _refused("missing")
    scheme, _, secret = header_value.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not _TOKEN_SHAPE.match(secret):
        raise _refused("malformed")
    return secret


def authenticate_bearer(header_value: str | None) -> tuple[User, ApiToken]:
    """The user and token an ``Authorization`` header's value names, or BearerRefused with the
    reason. A deactivated account is refused as its log-in is (an unconfirmed e-mail address
    does not stop a log-in, so it does not stop a token either)."""
    secret = secret_of(header_value)
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.secret_hash == hash_secret(secret))
    )
    if token is None:
        raise _refused("unknown")
    if token.revoked_at is not None:
        raise _refused("revoked")
    if token.expires_at <= utcnow():
        raise _refused("expired")
    if not token.user.is_active:
        raise _refused("account_inactive")
    return token.user, token


def touch(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Note that the token was used, when the last note is older than TOUCH_EVERY: one write a
    minute per token however busy it is. True when it changed (the caller commits)."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
