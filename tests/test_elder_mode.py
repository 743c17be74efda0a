"""长辈模式: the switch on every page turns the elderly-friendly mode on and off, remembered in the
browser (a cookie) and on a signed-in user's account (audited), so that a new browser starts in
the account's mode; the browser's own choice wins. Refused without the form's token; never sends
the user off the site."""

from sqlalchemy import select

from microventure.accounts.models import User
from microventure.core.models import AuditEvent
from microventure.extensions import db
from tests.conftest import login


def elder(client, path: str = "/") -> bool:
    page = client.get(path).get_data(as_text=True)
    return '<html lang="zh-CN" class="elder">' in page


def switch(client, on: bool, next_: str = "/calls"):
    return client.post("/elder-mode", data={"on": "1" if on else "0", "next": next_})


def test_a_visitor_turns_it_on_and_off_and_the_browser_remembers(client):
    assert not elder(client)
    assert 'data-testid="elder-switch">长辈模式</button>' in (
        client.get("/calls").get_data(as_text=True)
    )
    response = switch(client, True)
    assert response.status_code == 302 and response.headers["Location"] == "/calls"
    cookie = client.get_cookie("elder_mode")
    assert cookie.value == "1" and cookie.http_only
    assert elder(client, "/calls") and elder(client, "/results")
    assert "标准模式" in client.get("/calls").get_data(as_text=True)  # the way back
    switch(client, False)
    assert not elder(client)


def test_a_user_keeps_it_on_the_account_and_a_new_browser_starts_in_it(app, make):
    user = make.user()
    db.session.commit()
    first = app.test_client()
    login(first, user)
    switch(first, True)
    db.session.expire_all()
    assert db.session.get(User, user.id).elder_mode is True
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.elder_mode_chosen")
    )
    assert event.after == {"elder_mode": True} and event.before == {"elder_mode": False}

    second = app.test_client()  # another browser, no cookie: the account's choice
    login(second, user)
    assert elder(second)
    second.set_cookie("elder_mode", "0")  # this browser's own choice wins
    assert not elder(second)


def test_switching_to_the_mode_it_is_in_records_nothing(app, make):
    user = make.user()
    db.session.commit()
    client = app.test_client()
    login(client, user)
    switch(client, False)
    switch(client, False)
    assert (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "user.elder_mode_chosen")
        )
        is None
    )


def test_it_goes_back_only_to_a_page_of_this_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        response = switch(client, True, target)
        assert response.headers["Location"] == "/", target
    response = switch(client, True, "/calls?page=2")
    assert response.headers["Location"] == "/calls?page=2"


def test_without_the_forms_token_nothing_changes(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/elder-mode", data={"on": "1", "next": "/calls"})
    assert response.status_code == 400  # the app's answer to a form without its token
    assert client.get_cookie("elder_mode") is None
    assert not elder(client)
