"""Chinese by default, English on request, remembered; catalogues complete and compiled."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from microventure.extensions import db

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "microventure" / "translations"


def test_login_page_is_chinese_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "登录" in page and "机构注册" in page


def test_lang_parameter_switches_any_page_and_is_remembered(client):
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    page = client.get("/").get_data(as_text=True)  # remembered for the session
    assert "Register an organisation" in page
    assert "简体中文" in page  # the switch back
    page = client.get("/?lang=zh_CN").get_data(as_text=True)
    assert "机构注册" in page


def test_language_is_remembered_per_user(app, client, make):
    user = make.user()
    client.post("/auth/login", data={"email": user.email, "password": "correct-horse"})
    client.get("/profile?lang=en")
    db.session.refresh(user)
    assert user.locale == "en"
    fresh = app.test_client()  # another device
    fresh.post("/auth/login", data={"email": user.email, "password": "correct-horse"})
    assert "Log out" in fresh.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    assert "登录" in client.get("/auth/login?lang=xx").get_data(as_text=True)


def test_every_string_is_in_both_catalogues(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    for lang in ("zh_Hans_CN", "en"):
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            catalogue = read_po(f)
        present = {m.id for m in catalogue if m.id}
        assert wanted - present == set(), f"{lang}: missing; run pybabel update"
        if lang == "zh_Hans_CN":
            untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
            assert untranslated == [], "zh_Hans_CN: untranslated or fuzzy"


def _entries(catalogue, *, skip_fuzzy: bool) -> dict:
    """id → translation, plural forms as tuples; untranslated entries (empty, or the English
    itself, which is how Babel compiles an untranslated plural) left out."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {
        plain(m.id): plain(m.string)
        for m in catalogue
        if m.id
        and any(plain(m.string) if isinstance(m.string, list | tuple) else [m.string])
        and not (skip_fuzzy and m.fuzzy)
        and plain(m.string) != plain(m.id)
    }


def test_compiled_catalogues_match_the_sources():
    for lang in ("zh_Hans_CN", "en"):
        folder = TRANSLATIONS / lang / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as f:
            source = _entries(read_po(f), skip_fuzzy=True)
        with (folder / "messages.mo").open("rb") as f:
            compiled = _entries(read_mo(f), skip_fuzzy=False)
        assert compiled == source, f"{lang}: run pybabel compile -d microventure/translations"
