"""Fund pages for admins: list with balances, create, contributions."""

from flask import Blueprint

bp = Blueprint("funds", __name__)
