"""长辈模式 (the elderly-friendly mode of the 2021 rules for websites): larger text, higher
contrast, larger touch targets and a plain menu. A switch on every page turns it on or off; the
choice is remembered in this browser (a cookie) and, for a signed-in user, on the account, so a
new browser starts in the account's mode. The browser's choice wins where both are known."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from microventure.accounts import services
from microventure.core.forms import BaseForm, safe_next
from microventure.extensions import db

COOKIE = "elder_mode"
YEAR = 365 * 24 * 3600

bp = Blueprint("elder_mode", __name__)


def is_on() -> bool:
    """Whether this request's page is shown in the elderly-friendly mode."""
    chosen = request.cookies.get(COOKIE)
    if chosen in ("1", "0"):
        return chosen == "1"
    return bool(current_user and current_user.is_authenticated and current_user.elder_mode)


def plain_menu() -> bool:
    """In the mode, a visitor's or an applicant's menu is a plain list that is always open;
    staff (a reviewer, an admin: anyone with a role) keep theirs, whose menus group many pages."""
    return is_on() and not (current_user.is_authenticated and current_user.roles)


@bp.post("/elder-mode")
def switch():
    """Turn the mode on (``on=1``) or off, then back to the page the switch was on."""
    target = safe_next(request.form.get("next")) or url_for("core.index")
    form = BaseForm()
    if not form.validate_on_submit():  # the CSRF token: a refused one changes nothing
        return redirect(target)
    on = request.form.get("on") == "1"
    if current_user.is_authenticated and current_user.elder_mode != on:
        services.choose_elder_mode(user=current_user, on=on)
        db.session.commit()
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        "1" if on else "0",
        max_age=YEAR,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response
