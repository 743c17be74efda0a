"""The check-in code's signed token and the hashes a check-in is deduplicated on.

The token names the session, its code generation (rotating the code refuses older ones) and
when it expires; it is signed with the app's secret key (itsdangerous). The hashes are HMACs
keyed with the secret key and salted with the session, so the same person has unrelated hashes
in two sessions and a hash cannot be reversed by trying every name and four digits without the
key."""

import hashlib
import hmac
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "attendance.check-in"
# After the window closes the code still opens the page, so volunteers can check out.
CHECK_OUT_GRACE = timedelta(hours=2)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def expires_at(closes_at: datetime) -> datetime:
    return closes_at + CHECK_OUT_GRACE


def make_token(session) -> str:
    expiry = int(expires_at(session.closes_at).timestamp())
    return _serializer().dumps({"s": session.id, "g": session.token_generation, "e": expiry})


def read_token(token: str) -> dict | None:
    """The token's payload if its signature is ours, else None (expiry is the caller's)."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in "sge"):
        return None
    return payload


def session_id_of(token: str) -> int | None:
    """The session a token claims, signed or not (only to key the rate limit)."""
    _signed, payload = _serializer().loads_unsafe(token)
    return payload.get("s") if isinstance(payload, dict) else None


def expired(payload: dict, now: datetime) -> bool:
    return datetime.fromtimestamp(payload["e"], UTC) < now


_SPACES = re.compile(r"\s+")


def normalised_name(name: str) -> str:
    """The same name however it was typed: full-width letters, spaces and case folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or "")).casefold()


def _hmac(session_id: int, text: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{SALT}:{session_id}:{text}".encode(), hashlib.sha256).hexdigest()


def person_hash(session_id: int, *, name: str = "", digits: str = "", user_id=None) -> str:
    if user_id is not None:
        return _hmac(session_id, f"user:{user_id}")
    return _hmac(session_id, f"person:{normalised_name(name)}:{digits}")


def device_hash(session_id: int, device: str | None) -> str | None:
    return _hmac(session_id, f"device:{device}") if device else None
