"""Home page, the favicon and the health check."""

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user
from sqlalchemy import text

from microventure.core.celery import broker_status
from microventure.core.http import plain_http_allowed
from microventure.core.policy import can
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.workcalendar.queries import calendar_gap

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Each role's home: what waits on it and the headline figures; for the public, open calls,
    current notices and the district's results."""
    # the home page reads every feature, so its queries live above them, in stats.home
    from microventure.calls.queries import public_calls
    from microventure.core.timeutil import utcnow
    from microventure.stats import home, public_queries

    if current_user.is_authenticated:
        return render_template(
            "core/index.html",
            user=current_user,
            work=home.work_of(current_user),
            headline=home.headline(current_user),
            # the office that can enter the calendar is told, from 1 November, before it runs out
            calendar_gap=calendar_gap(local_today())
            if can(current_user, "calendar.manage")
            else None,
        )
    now = utcnow()
    return render_template(
        "core/index.html",
        user=current_user,
        headline=home.headline(None),
        calls=public_calls(now).current,
        notices=public_queries.current_notices(now),
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (a PDF, a JSON answer): served
    from the package, so it never logs a 404."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.get("/healthz")
@plain_http_allowed
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # the point is to report, not to raise
        db.session.rollback()
        database = "unreachable"
    broker = broker_status(current_app.extensions["celery"])
    status = 200 if database == "ok" else 503
    return jsonify(
        status="ok" if status == 200 else "error", database=database, broker=broker
    ), status
