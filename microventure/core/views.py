"""Home page and the health check."""

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from microventure.core.celery import broker_status
from microventure.extensions import db

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
            calendar_missing=home.calendar_missing(home.local_today())
            if home.is_district_admin(current_user)
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


@bp.get("/healthz")
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
