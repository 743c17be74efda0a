"""Call pages: admin create/edit/publish/close/copy, public list and call page."""

from flask import Blueprint

bp = Blueprint("calls", __name__)


@bp.get("/calls")
def index():  # placeholder until the call pages land
    return "calls"


@bp.get("/admin/calls")
def admin_index():  # placeholder until the call pages land
    return "calls"
