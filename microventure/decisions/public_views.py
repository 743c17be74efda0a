"""Public notices (公示): no login; the list, a notice's page and its objection form."""

from flask import Blueprint

bp = Blueprint("notices", __name__)


@bp.route("/notices")
def index():
    return ""
