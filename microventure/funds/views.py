"""Fund pages for admins: list with balances, create, contributions."""

from flask import Blueprint

bp = Blueprint("funds", __name__)


@bp.get("/admin/funds")
def index():  # placeholder until the fund pages land
    return "funds"
