"""Admin pages for review: the reviewer pool and its Excel import, assignment, progress, reopening."""

from flask import Blueprint

bp = Blueprint("review_admin", __name__)


@bp.get("/admin/reviewers")
def pool():  # placeholder until the pool pages land
    return "reviewers"
