"""Project pages shared by the organisation and admins: my projects, the project page, files."""

from flask import Blueprint

bp = Blueprint("projects", __name__)


@bp.route("/projects")
def mine():
    return ""
