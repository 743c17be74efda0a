"""Language choice: ``?lang=`` on any page, remembered in the session and on the user's account."""

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from microventure.core.errors import is_api_request
from microventure.extensions import db


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and Celery: messages carry their own language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if is_api_request():  # the API answers in the language the caller accepts
        return (
            request.accept_languages.best_match(languages)
            or current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """'zh_CN' or 'en' (Babel spells the locale zh_Hans_CN; templates and data want ours)."""
    locale = get_locale()
    return "zh_CN" if locale is None or locale.language == "zh" else "en"


def remember_language() -> None:
    lang = request.args.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        return
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        db.session.commit()


def init_app(app: Flask) -> None:
    app.before_request(remember_language)
