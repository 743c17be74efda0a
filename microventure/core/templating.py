"""Template filters and globals: money, local times, the access policy, history in words,
language links, the upload limit."""

from flask import Flask, request, url_for

from microventure.accounts import elder_mode
from microventure.accounts.models import Role
from microventure.core.files import max_bytes
from microventure.core.forms import field_errors
from microventure.core.history import describe
from microventure.core.i18n import current_language
from microventure.core.money import format_fen
from microventure.core.policy import can
from microventure.core.timeutil import format_local


def url_with_lang(lang: str) -> str:
    args = request.args.to_dict(flat=True) | {"lang": lang}
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("core.index", lang=lang)


def init_app(app: Flask) -> None:
    app.add_template_filter(format_fen, "money")
    app.add_template_filter(format_local, "local_time")
    app.add_template_filter(lambda d: format_local(d, "%Y-%m-%d"), "local_date")
    app.add_template_global(can)
    app.add_template_global(field_errors)
    app.add_template_global(elder_mode.is_on, "elder_mode")
    app.add_template_global(elder_mode.plain_menu, "elder_plain_menu")
    app.add_template_global(describe, "describe_event")
    app.add_template_global(Role, "roles")
    app.add_template_global(url_with_lang)
    app.add_template_global(current_language, "current_locale")
    app.add_template_global(max_bytes, "upload_max_bytes")  # upload-limit.js checks in the page
