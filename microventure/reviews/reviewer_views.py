"""The reviewer's pages: assignments with progress, the declaration, the application and the score form."""

from flask import Blueprint

bp = Blueprint("reviewing", __name__)


@bp.get("/reviews")
def index():  # placeholder until the reviewer pages land
    return "reviews"
