"""Admin decision pages: the funding line and decisions, the notice, objections, finalizing."""

from flask import Blueprint

bp = Blueprint("decisions", __name__)
