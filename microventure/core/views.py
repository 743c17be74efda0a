"""Home page and the health check."""

from flask import Blueprint, current_app, jsonify, render_template
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
    # the office that can enter the calendar is told, from 1 November, before it runs out
    gap = calendar_gap(local_today()) if can(current_user, "calendar.manage") else None
    return render_template("core/index.html", user=current_user, calendar_gap=gap)


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
