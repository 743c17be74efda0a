"""The ranking of a call and its Excel export."""

from flask import Blueprint

bp = Blueprint("ranking", __name__)
