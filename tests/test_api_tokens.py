"""Personal access tokens: created on the profile's token page (the secret shown once, only its
hash stored), revoked with a confirmation, checked by ``authenticate_bearer`` with a reason for
each refusal, used only by the API (never by a page), named on the audit events of the requests
they make, and keyed by the API's rate limit."""

import re
from datetime import timedelta

import pytest
from flask import g
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select

from microventure.accounts import api_tokens, bearer, services
from microventure.accounts.api_tokens import BearerRefused, authenticate_bearer, hash_secret
from microventure.accounts.models import ApiToken, TokenScope, User
from microventure.core.models import AuditEvent
from microventure.core.timeutil import utcnow
from microventure.extensions import db

SECRET = re.compile(r'id="new-token-secret" readonly value="(mvt_[A-Za-z0-9_-]{43})"')


def _create(client, **data):
    form = {"name": "小程序", "scope": "write", "expires_in_days": "90", **data}
    return client.post("/profile/tokens", data=form)


def _tokens(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def _events(user, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == "users",
                AuditEvent.object_id == user.id,
            )
        )
    )


@pytest.fixture
def user(make):
    return make.user(email="token-owner@test.local", locale="en")


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, login_as, user):
    login_as(user)
    response = _create(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    secret = SECRET.search(body).group(1)
    (token,) = _tokens(user)
    assert token.secret_hash == hash_secret(secret) and secret not in token.secret_hash
    assert token.prefix == secret[:12] and token.scope is TokenScope.WRITE
    assert timedelta(days=89, hours=23) < token.expires_at - token.created_at <= timedelta(days=90)
    # nothing of the secret is kept anywhere else: not in the audit, not in the session cookie
    (event,) = _events(user, "api_token.created")
    assert secret not in str(event.after) and event.after["prefix"] == token.prefix
    with client.session_transaction() as session:
        assert secret not in str(dict(session))
    again = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in again and token.prefix in again and "小程序" in again
    assert "new-token-secret" not in again


def test_a_double_submit_makes_one_token_and_says_why(client, login_as, user):
    login_as(user)
    _create(client)
    response = _create(client)
    assert response.status_code == 200
    assert "You already have a token with this name" in response.get_data(as_text=True)
    assert len(_tokens(user)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  "}, "This field is required"),
        ({"expires_in_days": "400"}, "Choose one of the options offered"),
        ({"scope": "admin"}, "Choose one of the options offered"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(client, login_as, user, data, message):
    login_as(user)
    response = _create(client, **data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body and "invalid-feedback" in body
    assert _tokens(user) == []


def test_the_service_refuses_what_a_form_could_not_send(user):
    g.messages_in = "en"  # force_locale needs a non-empty ``g``
    with force_locale("en"):
        _refusals(user)


def _refusals(user):
    with pytest.raises(api_tokens.DomainError, match="1 to 365 days"):
        api_tokens.create_token(user=user, name="x", scope=TokenScope.READ, days=366)
    for n in range(api_tokens.MAX_UNREVOKED):
        api_tokens.create_token(user=user, name=f"t{n}", scope=TokenScope.READ, days=1)
    with pytest.raises(api_tokens.DomainError, match="Revoke one first"):
        api_tokens.create_token(user=user, name="one more", scope=TokenScope.READ, days=1)


def test_revoking_needs_the_box_ticked_and_only_the_owner_may(client, login_as, user, make):
    token = api_tokens.create_token(user=user, name="站点", scope=TokenScope.READ, days=30).token
    other = make.user()
    login_as(other)
    assert (
        client.post(f"/profile/tokens/{token.id}/revoke", data={"confirm": "y"}).status_code == 404
    )
    client.post("/auth/logout")
    login_as(user)
    response = client.post(f"/profile/tokens/{token.id}/revoke", data={}, follow_redirects=True)
    assert "Tick the box to confirm revoking the token." in response.get_data(as_text=True)
    assert db.session.get(ApiToken, token.id).revoked_at is None
    response = client.post(
        f"/profile/tokens/{token.id}/revoke", data={"confirm": "y"}, follow_redirects=True
    )
    assert f"The token {token.prefix}… is revoked." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    (event,) = _events(user, "api_token.revoked")
    assert event.actor_id == user.id and event.after["token_id"] == token.id
    # a revoked token stays listed as revoked, and the name is free again
    page = client.get("/profile/tokens").get_data(as_text=True)
    listed = page.split(f'data-token="{token.prefix}"')[1].split("</li>")[0]
    assert ">revoked<" in listed and "Revoke this token" not in listed
    assert _create(client, name="站点").status_code == 200 and len(_tokens(user)) == 2


def test_each_refusal_of_a_bearer_has_its_reason(user, make):
    new = api_tokens.create_token(user=user, name="a", scope=TokenScope.READ, days=30)
    assert authenticate_bearer(f"Bearer {new.secret}") == (user, new.token)
    assert authenticate_bearer(f"bearer   {new.secret} ") == (user, new.token)

    def reason(header):
        with pytest.raises(BearerRefused) as refused:
            authenticate_bearer(header)
        return refused.value.reason

    assert reason(None) == reason("") == "missing"
    assert reason(f"Basic {new.secret}") == reason("Bearer") == reason("Bearer a b") == "malformed"
    assert reason("Bearer mvt_" + "x" * 43) == "unknown"
    assert reason("Bearer " + "x" * 5000) == "malformed"  # never hashed
    new.token.created_at = utcnow() - timedelta(days=2)
    new.token.expires_at = utcnow() - timedelta(seconds=1)
    assert reason(f"Bearer {new.secret}") == "expired"
    new.token.revoked_at = utcnow()
    assert reason(f"Bearer {new.secret}") == "revoked"
    second = api_tokens.create_token(user=user, name="b", scope=TokenScope.WRITE, days=30)
    services.set_user_active(user=user, active=False, actor=make.user())
    assert reason(f"Bearer {second.secret}") == "account_inactive"


def test_the_last_use_is_written_at_most_once_a_minute(user):
    token = api_tokens.create_token(user=user, name="a", scope=TokenScope.READ, days=30).token
    now = utcnow()
    assert api_tokens.touch(token, now=now) and token.last_used_at == now
    assert not api_tokens.touch(token, now=now + timedelta(seconds=59))
    assert api_tokens.touch(token, now=now + timedelta(seconds=61))


def test_a_bearer_token_never_opens_a_page(client, user):
    new = api_tokens.create_token(user=user, name="a", scope=TokenScope.WRITE, days=30)
    db.session.commit()
    headers = {"Authorization": f"Bearer {new.secret}"}
    response = client.get("/profile", headers=headers)
    assert response.status_code == 302 and "/auth/login" in response.location
    response = client.post("/profile", data={"name": "改名"}, headers=headers)
    assert response.status_code == 302 and "/auth/login" in response.location
    assert db.session.get(User, user.id).name == "测试用户"


def test_events_of_a_token_request_name_the_token_and_its_user(app, user):
    new = api_tokens.create_token(user=user, name="a", scope=TokenScope.WRITE, days=30)
    db.session.commit()
    with app.test_request_context(headers={"Authorization": f"Bearer {new.secret}"}):
        _user, token = bearer.use_bearer()
        assert current_user.id == user.id and token.id == new.token.id
        assert token.last_used_at is not None
        services.update_profile(user=current_user, name="经令牌", mobile=None, locale="en")
        (event,) = _events(user, "user.profile_updated")
        assert event.api_token_id == new.token.id and event.actor_id == user.id
        assert bearer.rate_limit_key() == f"api-token:{new.token.id}"
        assert bearer.rate_limit() == app.config["API_RATELIMIT"]


def test_without_a_valid_token_an_api_request_is_nobody_and_limited_by_address(app, user):
    with app.test_request_context(
        headers={"Authorization": "Bearer mvt_" + "y" * 43},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    ):
        g._login_user = user  # as if a session cookie had signed the user in
        refused = bearer.use_bearer()
        assert refused.reason == "unknown" and not current_user.is_authenticated
        assert bearer.rate_limit_key() == "api-addr:10.1.2.3"
        assert bearer.rate_limit() == app.config["API_RATELIMIT_ANONYMOUS"]
        services.update_profile(user=user, name="x", mobile=None, locale="en")
        (event,) = _events(user, "user.profile_updated")
        assert event.api_token_id is None


def test_write_scope_implies_read():
    assert TokenScope.WRITE.allows(TokenScope.READ) and TokenScope.WRITE.allows(TokenScope.WRITE)
    assert TokenScope.READ.allows(TokenScope.READ) and not TokenScope.READ.allows(TokenScope.WRITE)
