"""Call pages: admin create/edit/publish/close/copy, public list and call page."""

from flask import Blueprint

bp = Blueprint("calls", __name__)
