"""The admin's screening pages: submissions of a call, screening one or many, versions."""

from flask import Blueprint

bp = Blueprint("screening", __name__)
