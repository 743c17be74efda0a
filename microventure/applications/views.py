"""The applicant's pages: start, edit with repeatable rows, attachments, submit, print, withdraw."""

from flask import Blueprint

bp = Blueprint("applications", __name__)


@bp.get("/applications")
def mine():  # placeholder until the applicant pages land
    return "applications"
