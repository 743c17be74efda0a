"""The review admin pages' blueprint and what its two view modules share: the pool's pages
(admin_views.py) and a call's assignment, progress and reopening pages (assignment_views.py)."""

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from microventure.calls.models import Call
from microventure.core.policy import authorize
from microventure.core.timeutil import local_today
from microventure.extensions import db
from microventure.reviews import admin_queries as queries
from microventure.reviews.models import Assignment

bp = Blueprint("review_admin", __name__)


def page_number() -> int:
    return max(request.args.get("page", 1, type=int), 1)


def per_page() -> int:
    return current_app.config["ITEMS_PER_PAGE"]


def get_or_none(model, ident: int | None):
    return db.session.get(model, ident) if ident else None


def managed_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id) or abort(404)
    authorize(current_user, "review.manage", call, hide=True)
    return call


def managed_assignment(assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    authorize(current_user, "review.manage", db.session.get(Call, assignment.call_id), hide=True)
    return assignment


@bp.context_processor
def _helpers() -> dict:
    return {"domains_of": queries.domains_of, "today": local_today()}
