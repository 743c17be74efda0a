"""Admin project pages: the list of projects, the agreement, payments and project state."""

from flask import Blueprint

bp = Blueprint("projects_admin", __name__, url_prefix="/admin/projects")


@bp.route("")
def index():
    return ""
